package tools

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

type pageRow struct {
	Id   int    `json:"id"`
	Name string `json:"name"`
}

var pageTable = &Table[pageRow]{Header: []string{"id", "name"}, Cells: func(r *pageRow) []string { return []string{"x", r.Name} }}

// TestListPaging: next_offset, count and the note at the edges of a list, and a cut at a row
// boundary that says where to go on.
func TestListPaging(t *testing.T) {
	rows := func(n int, size int) []pageRow {
		out := make([]pageRow, n)
		for i := range out {
			out[i] = pageRow{Id: i, Name: strings.Repeat("n", size)}
		}
		return out
	}
	tests := []struct {
		name        string
		all         []pageRow
		p           Paging
		count, next int // next -1: no next_offset
		note        string
	}{
		{"empty", nil, Paging{Limit: 50}, 0, -1, ""},
		{"one page exactly", rows(50, 1), Paging{Limit: 50}, 50, -1, ""},
		{"exact multiple, first page", rows(100, 1), Paging{Limit: 50}, 50, 50, "Showing 1-50 of 100: pass offset=50"},
		{"exact multiple, last page", rows(100, 1), Paging{Offset: 50, Limit: 50}, 50, -1, ""},
		{"offset at the end", rows(100, 1), Paging{Offset: 100, Limit: 50}, 0, -1, "offset 100 is past the end: there are 100"},
		{"offset past the end", rows(3, 1), Paging{Offset: 7, Limit: 50}, 0, -1, "offset 7 is past the end"},
		{"limit 500", rows(501, 1), Paging{Limit: 500}, 500, 500, "pass offset=500"},
		{"cut", rows(100, 1000), Paging{Offset: 10, Limit: 100}, 24, 34, "Answer cut at 24 rows"}, // 25 rows are 25,5xx bytes
		{"one row too large", rows(3, 30000), Paging{Offset: 1, Limit: 2}, 0, 2, "Row 2 alone is over 25000 characters: pass offset=2 to skip it"},
		{"last row too large", rows(3, 30000), Paging{Offset: 2, Limit: 2}, 0, -1, "Row 3 alone is over 25000 characters: filter by name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to := tt.p.Window(len(tt.all))
			res, err := List("rows", pageTable, tt.all[from:to], len(tt.all), tt.p, "filter by name")
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Total, Offset, Count int
				Rows                 []pageRow
				Next                 *int `json:"next_offset"`
				Note                 string
			}
			if err := json.Unmarshal(res.RawStructuredContent, &got); err != nil {
				t.Fatal(err)
			}
			text := ResultText(res)
			if len(text) > MaxText || len(res.RawStructuredContent) > MaxText {
				t.Errorf("over %d: text %d, structured %d", MaxText, len(text), len(res.RawStructuredContent))
			}
			next := -1
			if got.Next != nil {
				next = *got.Next
			}
			if got.Total != len(tt.all) || got.Offset != tt.p.Offset || got.Count != tt.count || len(got.Rows) != tt.count || next != tt.next {
				t.Errorf("total %d offset %d count %d rows %d next %d; want %d %d %d %d %d",
					got.Total, got.Offset, got.Count, len(got.Rows), next, len(tt.all), tt.p.Offset, tt.count, tt.count, tt.next)
			}
			for i, r := range got.Rows {
				if r.Id != from+i {
					t.Errorf("row %d is item %d", i, r.Id)
				}
			}
			if !strings.Contains(got.Note, tt.note) || (tt.note == "") != (got.Note == "") || !strings.Contains(text, tt.note) {
				t.Errorf("note %q, want %q; text ends %q", got.Note, tt.note, text[max(0, len(text)-200):])
			}
			if lines := strings.Count(text, "\n"); lines != tt.count+1 {
				t.Errorf("text has %d lines, want a header, %d rows and the paging line", lines+1, tt.count)
			}
		})
	}
}

// TestCutTextKeepsCharactersWhole: a cut, from the start or keeping the tail, never splits a
// multi-byte character, whatever byte the limit falls on.
func TestCutTextKeepsCharactersWhole(t *testing.T) {
	s := strings.Repeat("é€😀", 40) // 2, 3 and 4 bytes
	for max := 1; max < 30; max++ {
		for _, tail := range []bool{false, true} {
			got, cut := CutText(s, max, tail)
			if !cut || len(got) > max || !utf8.ValidString(got) {
				t.Fatalf("CutText(max %d, tail %v) = %q (%d bytes), cut %v", max, tail, got, len(got), cut)
			}
		}
	}
	if got := cutRunes("a€", 2); got != "a" {
		t.Errorf("cutRunes = %q", got)
	}
}
