// Package hostile writes the hostile inputs that Rudder has been attacked with
// (decompression bombs of nested chart archives, archives of huge member names,
// charts whose templates recurse or grow without bound), for the hostile-input
// tests and for bench/hostile, which measures them beside Helm. It is test support:
// nothing in Rudder itself imports it.
//
//	f, _ := os.Create("bomb.tgz")
//	err := hostile.NestedBomb(f, 3, 40<<20) // four charts of 40 MiB zeros, nested
package hostile
