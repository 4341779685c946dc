package storage

import (
	"testing"

	"github.com/rudderpm/rudder/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestSecretsContract(t *testing.T) {
	testDriverContract(t, kubeFactory(func(env *testenv.Env, ns string, opts DriverOptions) Driver {
		return NewSecrets(env.Clientset().CoreV1(), ns, opts)
	}))
}

func TestConfigMapsContract(t *testing.T) {
	testDriverContract(t, kubeFactory(func(env *testenv.Env, ns string, opts DriverOptions) Driver {
		return NewConfigMaps(env.Clientset().CoreV1(), ns, opts)
	}))
}

// kubeFactory makes drivers in two fresh namespaces of the test cluster. The
// driver for all namespaces sees other tests' records too; the contract
// tests only look at the releases they made.
func kubeFactory(newDriver func(env *testenv.Env, ns string, opts DriverOptions) Driver) driverFactory {
	return func(t *testing.T, clock *fakeClock) drivers {
		env := testenv.Start(t)
		ns1, ns2 := env.Namespace(t), env.Namespace(t)
		opts := DriverOptions{Now: clock.Now}
		return drivers{
			ns1: ns1, ns2: ns2,
			d1: newDriver(env, ns1, opts), d2: newDriver(env, ns2, opts),
			all:        newDriver(env, "", opts),
			clock:      clock,
			kubernetes: true,
		}
	}
}
