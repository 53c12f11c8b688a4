package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"
)

func TestServeAndShutDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--api-key", "k", "--poll-speed", "60"}, pw)
		pw.Close()
	}()

	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`at (http://\S+) \(API key "k"\)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("startup line = %q", line)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	req, _ := http.NewRequest("GET", m[1]+"/api/stacks", nil)
	req.Header.Set("X-API-Key", "k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /api/stacks = %d", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after the context ended", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not stop")
	}
}

func TestBadFlags(t *testing.T) {
	if err := run(context.Background(), []string{"--poll-speed", "0"}, io.Discard); err == nil {
		t.Error("a zero poll speed was accepted")
	}
	if err := run(context.Background(), []string{"--nope"}, io.Discard); err == nil {
		t.Error("an unknown flag was accepted")
	}
}
