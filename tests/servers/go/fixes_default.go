package main

import "net/http"

// Replaced at build time by the suite's fixes.go (whycors' snippets); empty here.
var fixes = map[string]func(mux http.Handler) http.Handler{}
