package demo

import (
	"context"
	"fmt"
	"os"
	"time"

	"mproc"
)

// Program is the main of the programs under examples/: it runs the demo
// called name on standard output, ends its children, and returns the exit
// status. Call mproc.Main first.
func Program(name string) int {
	d, ok := Find(name)
	if !ok {
		fmt.Fprintf(os.Stderr, "no demo called %q\n", name)
		return 1
	}
	fmt.Printf("== %s: %s ==\n%s\n\n", d.Name, d.Title, d.Intro)
	err := d.Run(context.Background(), os.Stdout)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if serr := mproc.Shutdown(ctx); err == nil {
		err = serr
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}
