// compose-config loads docker-compose files through compose-go, the loader behind
// `docker compose config`, and prints the resolved project as JSON: the files are validated
// against the compose-spec schema, ${VAR} interpolated from the given env file only (never from
// this process's environment, so the machine's variables cannot hide a missing secret), merged
// in order and normalised. Usage: compose-config -env-file FILE -f a.yml [-f b.yml ...]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

type files []string

func (f *files) String() string     { return fmt.Sprint(*f) }
func (f *files) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	var configs files
	envFile := flag.String("env-file", "", "the .env whose variables are interpolated (none when empty)")
	flag.Var(&configs, "f", "a compose file (repeatable; later files override earlier ones)")
	flag.Parse()
	if len(configs) == 0 {
		fmt.Fprintln(os.Stderr, "usage: compose-config [-env-file FILE] -f docker-compose.yml [-f override.yml ...]")
		os.Exit(2)
	}
	opts := []cli.ProjectOptionsFn{cli.WithWorkingDirectory(filepath.Dir(configs[0])), cli.WithName("warden")}
	if *envFile != "" {
		opts = append(opts, cli.WithEnvFiles(*envFile), cli.WithDotEnv)
	} else {
		opts = append(opts, cli.WithDiscardEnvFile)
	}
	options, err := cli.NewProjectOptions(configs, opts...)
	if err == nil {
		var out []byte
		project, loadErr := options.LoadProject(context.Background())
		if err = loadErr; err == nil {
			if out, err = project.MarshalJSON(); err == nil {
				_, err = os.Stdout.Write(append(out, '\n'))
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
