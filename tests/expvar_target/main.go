// expvar_target is the real Go program esmend's ingest tests poll: the standard library's expvar
// handler on /debug/vars, with one custom variable of each kind (Int, Float, String, Map, Func) and
// knobs to allocate memory and force garbage collections, so heap and GC figures move on demand.
//
// It listens on 127.0.0.1 only. With -listen 127.0.0.1:0 it picks free ports and prints one URL per
// listener on stdout, first lines first, before serving.
package main

import (
	"expvar"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

var (
	requests   = expvar.NewInt("requests")
	loadFactor = expvar.NewFloat("load_factor")
	version    = expvar.NewString("build_version")
	queues     = expvar.NewMap("queues")
	started    = time.Now()

	retainedMu sync.Mutex
	retained   [][]byte // memory kept alive by /alloc?keep=1
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on (127.0.0.1 only)")
	extra := flag.Int("extra-listeners", 0, "additional listeners on free ports, serving the same vars")
	flag.Parse()

	host, _, err := net.SplitHostPort(*listen)
	if err != nil || (host != "127.0.0.1" && host != "localhost") {
		log.Fatalf("expvar_target: -listen must be on 127.0.0.1, got %q", *listen)
	}

	version.Set("1.4.2")
	loadFactor.Set(0.75)
	queues.Add("ingest", 3)
	queues.Add("retry", 0)
	expvar.Publish("uptime_seconds", expvar.Func(func() interface{} {
		return int64(time.Since(started).Seconds())
	}))

	http.HandleFunc("/alloc", handleAlloc)
	http.HandleFunc("/gc", func(w http.ResponseWriter, r *http.Request) {
		runtime.GC()
		fmt.Fprintln(w, "ok")
	})
	handler := countRequests(http.DefaultServeMux)

	listeners := make([]net.Listener, 0, 1+*extra)
	for i := 0; i <= *extra; i++ {
		addr := *listen
		if i > 0 {
			addr = "127.0.0.1:0"
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			log.Fatalf("expvar_target: %v", err)
		}
		listeners = append(listeners, l)
		fmt.Printf("http://%s\n", l.Addr().String())
	}
	os.Stdout.Sync()

	var wg sync.WaitGroup
	for _, l := range listeners {
		wg.Add(1)
		go func(l net.Listener) {
			defer wg.Done()
			log.Fatal(http.Serve(l, handler))
		}(l)
	}
	wg.Wait()
}

// countRequests increments the custom Int on every request, so each poll changes it.
func countRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		next.ServeHTTP(w, r)
	})
}

// handleAlloc allocates ?mb= megabytes in ?chunks= pieces, keeps them if ?keep=1, and runs ?gc=
// forced collections afterwards.
func handleAlloc(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	mb, _ := strconv.Atoi(q.Get("mb"))
	chunks, _ := strconv.Atoi(q.Get("chunks"))
	gcs, _ := strconv.Atoi(q.Get("gc"))
	if chunks <= 0 {
		chunks = 1
	}
	var kept [][]byte
	for i := 0; i < chunks; i++ {
		b := make([]byte, mb*1024*1024/chunks)
		for j := 0; j < len(b); j += 4096 {
			b[j] = byte(j)
		}
		kept = append(kept, b)
	}
	if q.Get("keep") == "1" {
		retainedMu.Lock()
		retained = append(retained, kept...)
		retainedMu.Unlock()
	}
	for i := 0; i < gcs; i++ {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(w, "{\"NumGC\":%d,\"HeapAlloc\":%d}\n", ms.NumGC, ms.HeapAlloc)
}
