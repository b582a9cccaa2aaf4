// Package version holds the build's version, set by the Makefile's -ldflags.
package version

// Version is the build's version (git describe), or "dev".
var Version = "dev"
