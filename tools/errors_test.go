package tools

import "testing"

// Portainer's libhttp writes the details of an error capitalised and the message as the handler
// gave it, and compose's errors end with a newline (measured on a real 2.23): one text, said once.
func TestPortainerSaid(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"same text, details capitalised",
			`{"message":"failed to deploy a stack: yaml: line 1: bad\n","details":"Failed to deploy a stack: yaml: line 1: bad\n"}`,
			"failed to deploy a stack: yaml: line 1: bad"},
		{"same text", `{"message":"Stack is already inactive","details":"Stack is already inactive"}`, "Stack is already inactive"},
		{"message and details", `{"message":"Invalid request payload","details":"Invalid Interval format"}`, "Invalid request payload: Invalid Interval format"},
		{"details only", `{"details":"Object not found inside the database"}`, "Object not found inside the database"},
		{"details with a newline", `{"message":"Unable to start stack","details":"exit status 1\n"}`, "Unable to start stack: exit status 1"},
		{"not JSON", "gateway timeout", "gateway timeout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := portainerSaid([]byte(c.body)); got != c.want {
				t.Errorf("portainerSaid(%s) = %q, want %q", c.body, got, c.want)
			}
		})
	}
}
