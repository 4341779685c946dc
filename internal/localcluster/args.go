package localcluster

import (
	"fmt"
	"path/filepath"
)

// The command lines of the components. Everything listens on 127.0.0.1 only;
// the controller-manager and scheduler serve nothing (--secure-port=0).

func etcdArgs(dir string, clientPort, peerPort int) []string {
	client := fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	peer := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	return []string{
		"--name=rudder",
		"--data-dir=" + filepath.Join(dir, "etcd"),
		"--listen-client-urls=" + client,
		"--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer,
		"--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=rudder=" + peer,
		"--initial-cluster-state=new",
		// A throwaway test store: durability is not worth the fsyncs.
		"--unsafe-no-fsync",
		"--log-level=warn",
	}
}

func apiserverArgs(dir string, etcdPort, port int) []string {
	pki := filepath.Join(dir, "pki")
	return []string{
		fmt.Sprintf("--etcd-servers=http://127.0.0.1:%d", etcdPort),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir=" + pki,
		"--tls-cert-file=" + filepath.Join(pki, "apiserver.crt"),
		"--tls-private-key-file=" + filepath.Join(pki, "apiserver.key"),
		"--client-ca-file=" + filepath.Join(pki, "ca.crt"),
		"--authorization-mode=Node,RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + filepath.Join(pki, "sa.pub"),
		"--service-account-signing-key-file=" + filepath.Join(pki, "sa.key"),
		"--service-cluster-ip-range=" + ServiceCIDR,
		"--allow-privileged=true",
		// The fake nodes' kubelet is kwok's server on 127.0.0.1 (their
		// InternalIP); their Hostname resolves nowhere. pods/log reaches it.
		"--kubelet-preferred-address-types=InternalIP",
		// No kube-proxy or pods behind the kubernetes Service, and a loopback
		// address is not a valid endpoint: do not reconcile it.
		"--endpoint-reconciler-type=none",
		// Fewer moving parts and less CPU on a small machine.
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		"--v=1",
	}
}

func controllerManagerArgs(dir, kubeconfig string) []string {
	pki := filepath.Join(dir, "pki")
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--bind-address=127.0.0.1",
		"--secure-port=0",
		"--leader-elect=false",
		// No node IPAM: kwok hands out pod addresses itself.
		"--controllers=*,-nodeipam",
		"--service-account-private-key-file=" + filepath.Join(pki, "sa.key"),
		"--root-ca-file=" + filepath.Join(pki, "ca.crt"),
		"--service-cluster-ip-range=" + ServiceCIDR,
		// Tests create and delete many namespaces and objects.
		"--kube-api-qps=200",
		"--kube-api-burst=400",
		"--concurrent-namespace-syncs=20",
		"--v=1",
	}
}

func schedulerArgs(kubeconfig string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--bind-address=127.0.0.1",
		"--secure-port=0",
		"--leader-elect=false",
		"--v=1",
	}
}

func kwokArgs(dir, kubeconfig string, serverPort int) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--config=" + filepath.Join(dir, "stages.yaml"),
		// kwok's kubelet-like server, for pod logs: the nodes report it as
		// their kubelet endpoint, on their InternalIP.
		fmt.Sprintf("--server-address=127.0.0.1:%d", serverPort),
		fmt.Sprintf("--node-port=%d", serverPort),
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=" + NodeAnnotation + "=fake",
		// kwok renews each node's Lease; without it the node lifecycle
		// controller marks the nodes NotReady after its grace period.
		"--node-lease-duration-seconds=40",
		// kwok reads the address as the first one to hand out.
		"--cidr=10.244.0.1/16",
		// The nodes' InternalIP, where the API server finds their kubelet.
		"--node-ip=127.0.0.1",
	}
}
