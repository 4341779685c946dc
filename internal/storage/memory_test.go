package storage

import (
	"testing"
)

func TestMemoryContract(t *testing.T) {
	testDriverContract(t, func(t *testing.T, clock *fakeClock) drivers {
		all := NewMemory("", DriverOptions{Now: clock.Now})
		return drivers{
			ns1: "one", ns2: "two",
			d1: all.InNamespace("one"), d2: all.InNamespace("two"),
			all:   all,
			clock: clock,
		}
	})
}
