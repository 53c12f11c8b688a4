package tools

// CompileSchema lets the external tests compile every generated tool's input schema.
var CompileSchema = func(doc string) error {
	_, err := compileSchema(doc)
	return err
}

// UserinfoPasswords lets the external tests check which URL passwords a call's arguments give
// the scrubber.
var UserinfoPasswords = userinfoPasswords
