package manifest

import "strings"

// KindOrder lists kinds in the order their objects are applied. Kinds not listed come
// after all listed ones, alphabetically.
type KindOrder []string

// InstallOrder is the order objects are created in on install and upgrade.
var InstallOrder = KindOrder{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList",
	"ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
	"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service",
	"DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
	"APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
}

// UninstallOrder is the order objects are deleted in on uninstall.
var UninstallOrder = KindOrder{
	"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService", "Ingress",
	"IngressClass", "Service", "CronJob", "Job", "StatefulSet", "HorizontalPodAutoscaler",
	"Deployment", "ReplicaSet", "ReplicationController", "Pod", "DaemonSet", "RoleBindingList",
	"RoleBinding", "RoleList", "Role", "ClusterRoleBindingList", "ClusterRoleBinding",
	"ClusterRoleList", "ClusterRole", "CustomResourceDefinition", "PersistentVolumeClaim",
	"PersistentVolume", "StorageClass", "ConfigMap", "SecretList", "Secret", "ServiceAccount",
	"PodDisruptionBudget", "PodSecurityPolicy", "LimitRange", "ResourceQuota", "NetworkPolicy",
	"Namespace", "PriorityClass",
}

// Rank returns the position of kind in the order, or -1 when it is not listed.
func (o KindOrder) Rank(kind string) int {
	for i, k := range o {
		if k == kind {
			return i
		}
	}
	return -1
}

// Compare orders two kinds for sorting: listed kinds by position, unlisted ones
// after, by name. It returns a negative number when a comes first, a positive one
// when b does, 0 for kinds of one rank.
func (o KindOrder) Compare(a, b string) int {
	ra, rb := o.Rank(a), o.Rank(b)
	switch {
	case ra < 0 && rb < 0:
		return strings.Compare(a, b)
	case ra < 0:
		return 1
	case rb < 0:
		return -1
	}
	return ra - rb
}
