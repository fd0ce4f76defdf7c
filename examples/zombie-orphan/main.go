// Command zombie-orphan runs the zombie-orphan demo: no zombies, and orphans adopted by a subreaper.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"mproc"
	"mproc/demo"
)

const name = "zombie-orphan"

func main() {
	mproc.Main()
	d, ok := demo.Find(name)
	if !ok {
		fmt.Fprintf(os.Stderr, "no demo called %q\n", name)
		os.Exit(1)
	}
	fmt.Printf("== %s: %s ==\n%s\n\n", d.Name, d.Title, d.Intro)
	err := d.Run(context.Background(), os.Stdout)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	serr := mproc.Shutdown(ctx)
	cancel()
	for _, e := range []error{err, serr} {
		if e != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, e)
		}
	}
	if err != nil || serr != nil {
		os.Exit(1)
	}
}
