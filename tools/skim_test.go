package tools

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// sameAsEncodingJSON: decodeList gives what encoding/json gives for the fields T declares.
func sameAsEncodingJSON(t *testing.T, data []byte) {
	t.Helper()
	var want []papi.StackSummary
	wantErr := json.Unmarshal(data, &want)
	var got []papi.StackSummary
	gotErr := decodeList(data, &got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("%s: encoding/json error %v, decodeList error %v", data, wantErr, gotErr)
	}
	if wantErr == nil && !reflect.DeepEqual(got, want) {
		w, _ := json.Marshal(want)
		g, _ := json.Marshal(got)
		t.Fatalf("%s:\n got  %s\n want %s", data, g, w)
	}
}

func TestDecodeList(t *testing.T) {
	for _, s := range []string{
		`[]`, `null`, ` [ ] `,
		`[{"Id":1,"Name":"a","Env":[{"name":"X","value":"}]\"{["}],"ResourceControl":{"a":[1,{"b":"c"}]},"Type":2}]`,
		`[{"id":3,"NAME":"case","GitConfig":{"URL":"https://g/x","Authentication":{"Username":"u","Password":""}},"AutoUpdate":null,"Status":4}]`,
		`[{"Id":1},{"Id":2,"Name":"b\u00e9\"q"},{"Unknown":true}]`,
		`[{"Id":1,"Status":1,"Extra":[[[[]]]],"More":"\\\\"}]`,
		`[{"Id":"x"}]`, `[{"Id":1}`, `[{"Id":1}] x`, `{"Id":1}`, `[1]`, `[{"Id":1,}]`,
		// null elements decode as zero values, as encoding/json decodes them
		`[null]`, `[{"Id":1},null]`, `[ null , {"Id":2} ]`, `[nullx]`, `[nul]`,
		// keys encoding/json matches by Unicode folding ("ſ" is "s") or through escapes
		`[{"ſtatus":1,"Id":6}]`, `[{"\u017ftatus":1,"Id":6}]`, `[{"N\u0061me":"esc-key","Id":1}]`,
		// numbers in every form, kept or skipped
		`[{"Id":1e2}]`, `[{"Id":-0}]`, `[{"Skip":1.5e-3,"Id":2}]`, `[{"Skip":-1E+10,"Id":2}]`,
		// escapes and brackets inside strings, nested values in skipped fields, null objects
		`[{"Name":"a\"b\\\"c\\","Skip":"\"}]{[","Id":3}]`,
		`[{"Skip":{"a":{"b":[{"c":"]}"}]}},"Id":4}]`,
		`[{"Name":"\ud83d\ude00 \u00e9","Id":5}]`,
		`[{"Id":2,"GitConfig":null,"AutoUpdate":null,"CurrentDeploymentInfo":null}]`,
		`[{"Id":1,"Id":2}]`, `[{"Name":"x","name":"y"}]`, `[{"Type":null}]`,
		"[\n\t{\r\n\"Id\" : 7 ,\n\"Name\"\t:\t\"n\"\n}\n]\n",
		`[{"Id":1},]`, `[,{"Id":1}]`, `[{"Id":1}{"Id":2}]`, `[{"Id" 1}]`, `[{Id:1}]`,
	} {
		sameAsEncodingJSON(t, []byte(s))
	}
	sameAsEncodingJSON(t, portainerStacks(50))
}

func FuzzDecodeList(f *testing.F) {
	f.Add([]byte(`[{"Id":1,"Name":"a","Env":[{"name":"X"}],"GitConfig":{"URL":"u"}}]`))
	f.Add([]byte(`[{"Id":1},{"Id":2}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var want []papi.StackSummary
		if json.Unmarshal(data, &want) != nil {
			var got []papi.StackSummary
			_ = decodeList(data, &got) // must not panic
			return
		}
		var got []papi.StackSummary
		if err := decodeList(data, &got); err != nil {
			t.Fatalf("%q: encoding/json decodes it, decodeList says %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %+v, want %+v", data, got, want)
		}
	})
}

// portainerStacks is n stacks as Portainer lists them, a third of them from Git, with the
// fields a list tool skips (env, access settings) as large as they usually are.
func portainerStacks(n int) []byte {
	list := make([]map[string]any, n)
	for i := range list {
		s := map[string]any{
			"Id": i + 1, "Name": "app-" + strconv.Itoa(i), "Type": 2, "EndpointId": 1 + i%5, "SwarmId": "", "Status": 1,
			"EntryPoint": "docker-compose.yml", "ProjectPath": "/data/compose/" + strconv.Itoa(i+1), "CreationDate": 1735700400,
			"CreatedBy": "admin", "UpdateDate": 0, "UpdatedBy": "", "AdditionalFiles": []string{}, "AutoUpdate": nil, "Option": nil,
			"Env": []map[string]string{{"name": "TZ", "value": "UTC"}, {"name": "LOG_LEVEL", "value": "info"}, {"name": "DB_PASSWORD", "value": "s3cret"}},
			"ResourceControl": map[string]any{"Id": i, "ResourceId": strconv.Itoa(i) + "_app", "SubResourceIds": []string{}, "Type": 6,
				"UserAccesses": []any{}, "TeamAccesses": []any{}, "Public": false, "AdministratorsOnly": true, "System": false},
			"GitConfig": nil, "FromAppTemplate": false, "Namespace": "",
		}
		if i%3 == 0 {
			s["GitConfig"] = map[string]any{"URL": "https://git.example.com/team/app.git", "ReferenceName": "refs/heads/main",
				"ConfigFilePath": "deploy/docker-compose.yml", "Authentication": nil, "ConfigHash": "77de68daecd823babbb58edb1c8e14d7106e83bb", "TLSSkipVerify": false}
			s["AutoUpdate"] = map[string]any{"Interval": "5m", "Webhook": "", "JobID": "3", "ForceUpdate": false, "ForcePullImage": false}
		}
		list[i] = s
	}
	raw, _ := json.Marshal(list)
	return raw
}

// BenchmarkDecodeStackList compares reading the fields list tools need from 1,000 stacks with
// decoding the whole records, as Portainer sends them.
func BenchmarkDecodeStackList(b *testing.B) {
	raw := portainerStacks(1000)
	b.Run("summary-skim", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			var out []papi.StackSummary
			if err := decodeList(raw, &out); err != nil || len(out) != 1000 {
				b.Fatal(err, len(out))
			}
		}
	})
	b.Run("summary-encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			var out []papi.StackSummary
			if err := json.Unmarshal(raw, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("full-records", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			var out []papi.Stack
			if err := json.Unmarshal(raw, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}
