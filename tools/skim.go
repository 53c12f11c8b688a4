package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"
)

// decodeList decodes a JSON array of objects into *out, reading only the top-level fields T
// declares: the rest of each object (env lists, access settings, deployment histories) is
// skipped by a byte scanner instead of being parsed. Portainer's list answers run to hundreds of
// kilobytes of which a list tool reads a few fields: 1,000 stacks decode in about 4.6 ms this
// way, 7.9 ms with encoding/json into the same few fields and 11.9 ms into whole records
// (BenchmarkDecodeStackList on 2 cores). The fields kept are decoded by encoding/json, so T's
// semantics are unchanged (case-insensitive names, as encoding/json matches them).
func decodeList[T any](data []byte, out *[]T) error {
	names := jsonNames(reflect.TypeFor[T]())
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, []byte("null")) {
		*out = nil
		return nil
	}
	if len(data) == 0 || data[0] != '[' {
		return errors.New("not a JSON array")
	}
	// The wanted fields of every object, as one smaller array decoded in one go.
	var buf bytes.Buffer
	buf.Grow(len(data) / 4)
	buf.WriteByte('[')
	i := skipSpace(data, 1)
	for n := 0; i < len(data) && data[i] != ']'; n++ {
		if n > 0 {
			buf.WriteByte(',')
		}
		switch {
		case data[i] == '{':
			buf.WriteByte('{')
			var err error
			if i, err = keepFields(data, i, names, &buf); err != nil {
				return err
			}
			buf.WriteByte('}')
		case bytes.HasPrefix(data[i:], []byte("null")):
			// encoding/json decodes a null element as the zero T.
			buf.WriteString("null")
			i += len("null")
		default:
			return fmt.Errorf("offset %d: want an object", i)
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return errors.New("unexpected end of JSON")
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
			if i < len(data) && data[i] == ']' {
				return fmt.Errorf("offset %d: want a value after ','", i)
			}
		case ']':
		default:
			return fmt.Errorf("offset %d: want ',' or ']'", i)
		}
	}
	if i >= len(data) {
		return errors.New("unexpected end of JSON")
	}
	if rest := skipSpace(data, i+1); rest != len(data) {
		return fmt.Errorf("offset %d: data after the array", rest)
	}
	buf.WriteByte(']')
	var res []T
	if err := json.Unmarshal(buf.Bytes(), &res); err != nil {
		return err
	}
	if res == nil {
		res = []T{}
	}
	*out = res
	return nil
}

// keepFields copies the wanted fields of the object at data[i] into buf (without braces) and
// returns the offset after the object.
func keepFields(data []byte, i int, names [][]byte, buf *bytes.Buffer) (int, error) {
	i = skipSpace(data, i+1)
	first := true
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return 0, fmt.Errorf("offset %d: want a key", i)
		}
		kEnd, err := skipString(data, i)
		if err != nil {
			return 0, err
		}
		key := data[i:kEnd]
		i = skipSpace(data, kEnd)
		if i >= len(data) || data[i] != ':' {
			return 0, fmt.Errorf("offset %d: want ':'", i)
		}
		vStart := skipSpace(data, i+1)
		vEnd, err := skipValue(data, vStart)
		if err != nil {
			return 0, err
		}
		if wanted(names, key) {
			if !first {
				buf.WriteByte(',')
			}
			first = false
			buf.Write(key)
			buf.WriteByte(':')
			buf.Write(data[vStart:vEnd])
		}
		i = skipSpace(data, vEnd)
		if i >= len(data) {
			return 0, errors.New("unexpected end of JSON")
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return i + 1, nil
		default:
			return 0, fmt.Errorf("offset %d: want ',' or '}'", i)
		}
	}
}

// wanted tells whether a raw key (with quotes) is one of names, compared as encoding/json
// compares them (without case). Keys with escapes or non-ASCII letters (encoding/json folds
// "ſ" to "s" and "K" to "k") are kept, for encoding/json to judge.
func wanted(names [][]byte, raw []byte) bool {
	k := raw[1 : len(raw)-1]
	for _, c := range k {
		if c == '\\' || c >= utf8.RuneSelf {
			return true
		}
	}
	for _, n := range names {
		if len(n) == len(k) && bytes.EqualFold(n, k) {
			return true
		}
	}
	return false
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t') {
		i++
	}
	return i
}

// skipString returns the offset after the string starting at data[i] ('"').
func skipString(data []byte, i int) (int, error) {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, errors.New("unterminated string")
}

// skipValue returns the offset after the JSON value starting at data[i].
func skipValue(data []byte, i int) (int, error) {
	if i >= len(data) {
		return 0, errors.New("unexpected end of JSON")
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end, err := skipString(data, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errors.New("unterminated object or array")
	}
	// number, true, false, null
	j := i
	for j < len(data) && !strings.ContainsRune(",}] \n\r\t", rune(data[j])) {
		j++
	}
	if j == i {
		return 0, fmt.Errorf("offset %d: want a value", i)
	}
	return j, nil
}

var jsonNamesCache sync.Map // reflect.Type -> [][]byte

// jsonNames are the JSON names of a struct's fields.
func jsonNames(t reflect.Type) [][]byte {
	if v, ok := jsonNamesCache.Load(t); ok {
		return v.([][]byte)
	}
	var names [][]byte
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := f.Name
		if tag, ok := f.Tag.Lookup("json"); ok {
			if n, _, _ := strings.Cut(tag, ","); n != "" && n != "-" {
				name = n
			}
		}
		names = append(names, []byte(name))
	}
	jsonNamesCache.Store(t, names)
	return names
}
