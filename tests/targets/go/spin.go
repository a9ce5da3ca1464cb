// A Go target for names from .gopclntab: built stripped (-ldflags="-s -w"),
// its main goroutine spins in main.spinForever, called by main.spinCaller,
// on a thread of its own.
package main

import (
	"fmt"
	"os"
	"runtime"
)

var sink int

//go:noinline
func spinForever(n int) int {
	s := 0
	for {
		s += n
		if s == -1 {
			return s
		}
	}
}

//go:noinline
func spinCaller() {
	sink = spinForever(3)
}

func main() {
	runtime.LockOSThread()
	fmt.Printf("ready %d\n", os.Getpid())
	spinCaller()
}
