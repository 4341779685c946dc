package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// Positional-argument checks with Helm's wording.

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("%q accepts no arguments\n\nUsage:  %s", cmd.CommandPath(), cmd.UseLine())
	}
	return nil
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return fmt.Errorf("%q requires %d %s\n\nUsage:  %s", cmd.CommandPath(), n, plural("argument", n), cmd.UseLine())
		}
		return nil
	}
}

func maximumArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return fmt.Errorf("%q accepts at most %d %s\n\nUsage:  %s", cmd.CommandPath(), n, plural("argument", n), cmd.UseLine())
		}
		return nil
	}
}

// minimumArgs is cobra.MinimumNArgs with Helm's wording.
func minimumArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return fmt.Errorf("%q requires at least %d %s\n\nUsage:  %s", cmd.CommandPath(), n, plural("argument", n), cmd.UseLine())
		}
		return nil
	}
}

func plural(s string, n int) string {
	if n == 1 {
		return s
	}
	return s + "s"
}
