package localcluster

import (
	"net"
)

// freePorts returns n distinct TCP ports on 127.0.0.1 that were free a moment
// ago. Another process may take one before the component binds it; Up retries
// the start when a component reports its address in use.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		held = append(held, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
