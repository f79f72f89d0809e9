// Command ferretdb runs the embeddable FerretDB with the SQLite backend for Warden's tests and local stack.
//
// It exists because `go install .../cmd/ferretdb` panics at start: the module on the proxy lacks the generated
// build/version/version.txt, which is only checked when FerretDB itself is the main module.
package main

import (
	"context"
	"flag"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/FerretDB/wire/wireclient"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("sqlite-dir", "data", "directory holding one SQLite file per database")
	level := flag.String("log-level", "info", "debug, info, warn or error")
	ping := flag.Bool("ping", false, "send a wire-protocol ping to -listen-addr and exit 0 if it succeeds")
	flag.Parse()

	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		fail(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))

	if *ping {
		// The readiness check of mongo.sh: an open port alone does not prove the handler answers commands.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		conn, err := wireclient.Connect(ctx, "mongodb://"+*listen+"/", logger)
		if err == nil {
			err = conn.Ping(ctx)
			_ = conn.Close()
		}
		if err != nil {
			fail(err)
		}
		return
	}

	// FerretDB requires an existing directory given as a file: URI ending with a slash.
	abs, err := filepath.Abs(*dir)
	if err != nil {
		fail(err)
	}
	if err = os.MkdirAll(abs, 0o700); err != nil {
		fail(err)
	}
	sqliteURL := (&url.URL{Scheme: "file", Path: abs + "/"}).String()

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		fail(err)
	}

	// Cancelling the context makes Run close the listener, the connections and the SQLite files cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	logger.Info("starting", "listen", *listen, "sqlite", sqliteURL)
	if err = f.Run(ctx); err != nil {
		fail(err)
	}
	logger.Info("stopped")
}

func fail(err error) {
	slog.Error(err.Error())
	os.Exit(1)
}
