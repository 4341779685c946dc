package kube

import (
	"context"
	"errors"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/util/csaupgrade"
	"k8s.io/client-go/util/retry"

	"github.com/rudderpm/rudder/internal/manifest"
)

// Method is how objects are sent to the server.
type Method uint8

const (
	// ServerSide applies whole objects with server-side apply under the Client's
	// field manager: Helm 4's default (apply_method "ssa").
	ServerSide Method = iota
	// ClientSide creates missing objects and patches existing ones with a three-way
	// merge computed here: Helm 3's way, kept for releases recorded with
	// apply_method "csa" (or none).
	ClientSide
)

// String is the method as release records name it: "ssa" or "csa".
func (m Method) String() string {
	if m == ClientSide {
		return "csa"
	}
	return "ssa"
}

// FieldValidation is how the server treats unknown or duplicate fields.
type FieldValidation string

const (
	FieldValidationStrict FieldValidation = "Strict"
	FieldValidationWarn   FieldValidation = "Warn"
	FieldValidationIgnore FieldValidation = "Ignore"
)

// ApplyOptions control Create, Update and CreateNamespace. The zero value applies
// server-side, without forcing conflicts, with strict field validation, in
// manifest.InstallOrder, with the Client's concurrency.
type ApplyOptions struct {
	// Method is server-side apply (the zero value) or client-side patching.
	Method Method
	// ForceConflicts takes fields over from other field managers (server-side only;
	// --force-conflicts).
	ForceConflicts bool
	// ForceReplace replaces existing objects with a PUT of the target instead of
	// patching them (client-side only; --force-replace).
	ForceReplace bool
	// DryRun sends every request with dryRun=All: the server validates and runs
	// admission but persists nothing.
	DryRun bool
	// FieldValidation is sent with server-side applies and replaces; "" means
	// FieldValidationStrict. Client-side creates and patches use the server's default,
	// as Helm's do.
	FieldValidation FieldValidation
	// UpgradeManagedFields moves fields the field manager owns through client-side
	// writes (Update operations) to its server-side apply entry before applying, so a
	// release moving from client-side to server-side apply does not conflict with
	// itself or leave fields behind (server-side only; Helm sets it on upgrades from a
	// csa revision, on rollbacks and when adopting objects on install).
	UpgradeManagedFields bool
	// ThreeWayMergeCustomResources patches kinds client-go does not know with a
	// three-way JSON merge patch over the live object instead of Helm's two-way one
	// from the previous revision (client-side only; Helm uses it when taking
	// ownership on install).
	ThreeWayMergeCustomResources bool
	// Order is the order of kinds; objects of one kind are sent concurrently, kinds
	// one after another. nil means manifest.InstallOrder.
	Order manifest.KindOrder
	// Concurrency bounds requests in flight; 0 means the Client's.
	Concurrency int
}

func (o *ApplyOptions) validate() error {
	switch {
	case o.Method != ServerSide && o.Method != ClientSide:
		return errors.New("unknown apply method")
	case o.ForceConflicts && o.ForceReplace:
		return errors.New("invalid operation: cannot use force conflicts and force replace together")
	case o.Method == ServerSide && o.ForceReplace:
		return errors.New("invalid operation: cannot use server-side apply and force replace together")
	case o.Method == ClientSide && o.ForceConflicts:
		return errors.New("invalid operation: force conflicts needs server-side apply")
	}
	return nil
}

// skipsUnchanged tells whether Update may leave out objects that are live as
// applying them would make them: server-side, and not asked to send everything.
func (o *ApplyOptions) skipsUnchanged() bool {
	return o.Method == ServerSide && !o.ForceConflicts && !o.DryRun
}

func (o *ApplyOptions) order() manifest.KindOrder {
	if o.Order == nil {
		return manifest.InstallOrder
	}
	return o.Order
}

func (o *ApplyOptions) validation() string {
	if o.FieldValidation == "" {
		return string(FieldValidationStrict)
	}
	return string(o.FieldValidation)
}

func (o *ApplyOptions) dryRun() []string {
	if o.DryRun {
		return []string{metav1.DryRunAll}
	}
	return nil
}

// Result is what an operation did, object by object, in the order it did it. On
// error it still lists what succeeded, for cleanup and reporting.
type Result struct {
	// Created objects did not exist before.
	Created []*Resource
	// Updated objects existed and were applied, patched or replaced (possibly
	// changing nothing).
	Updated []*Resource
	// Unchanged objects were not sent: Update found the live object already as a
	// server-side apply would leave it.
	Unchanged []*Resource
	// Deleted objects were deleted by this call.
	Deleted []*Resource
	// Absent objects were already gone when Delete came to them (Helm counts them
	// as deleted).
	Absent []*Resource
	// Kept objects left the release but were not deleted: annotated
	// helm.sh/resource-policy: keep.
	Kept []*Resource
	// Warnings the server returned, by object.
	Warnings []Warning
}

type outcome uint8

const (
	none outcome = iota
	created
	updated
	unchanged
	deleted
	absent
	kept
)

// collect files each resource under its outcome, in apply order.
func (res *Result) collect(resources []*Resource, outcomes []outcome, order manifest.KindOrder) {
	for _, g := range groups(resources, order) {
		for _, i := range g {
			r := resources[i]
			switch outcomes[i] {
			case created:
				res.Created = append(res.Created, r)
			case updated:
				res.Updated = append(res.Updated, r)
			case unchanged:
				res.Unchanged = append(res.Unchanged, r)
			case deleted:
				res.Deleted = append(res.Deleted, r)
			case absent:
				res.Absent = append(res.Absent, r)
			case kept:
				res.Kept = append(res.Kept, r)
			}
		}
	}
}

// Create sends the objects of a new release: server-side applied, or created when
// opts.Method is ClientSide (an object that exists then fails with AlreadyExists).
// Objects of one kind go concurrently, kinds in opts.Order. Every object is tried;
// the error joins an *ObjectError per failure.
//
// With server-side apply an object that already exists (one being adopted) is
// updated and listed in Result.Updated; the rest are in Result.Created.
func (c *Client) Create(ctx context.Context, resources []*Resource, opts ApplyOptions) (*Result, error) {
	if err := opts.validate(); err != nil {
		return &Result{}, err
	}
	sink := &warningSink{}
	outcomes := make([]outcome, len(resources))
	errs, err := inGroups(ctx, resources, opts.order(), c.limit(opts.Concurrency), func(ctx context.Context, i int, r *Resource) error {
		ctx = sink.forObject(ctx, r)
		var o outcome
		var err error
		if opts.Method == ClientSide || r.Name() == "" {
			o, err = c.create(ctx, r, &opts)
		} else {
			o, err = c.serverSideApply(ctx, r, &opts)
		}
		outcomes[i] = o
		return err
	})
	res := &Result{Warnings: sink.warnings()}
	res.collect(resources, outcomes, opts.order())
	if err != nil {
		errs = append(errs, err)
	}
	return res, join(errs)
}

// Update moves a release from the original objects (the previous revision, as
// built from its manifest) to the target ones:
//
//   - each target object is applied: server-side, or client-side by creating it if
//     missing, else replacing it (ForceReplace) or patching it with a three-way
//     merge of original, target and the live object;
//   - server-side, the live objects are read first (one list per kind and
//     namespace); fields that client-side writers of the release own (Helm 3,
//     kubectl's client-side apply) move to the field manager's apply entry before
//     the object is applied; an object whose live state already is what applying
//     it would give is not sent, unless ForceConflicts or DryRun ask for every
//     object to be sent; it is listed in Result.Unchanged;
//   - then, if all went well, original objects absent from target are deleted
//     (background propagation), unless gone already or annotated
//     helm.sh/resource-policy: keep.
//
// Objects are matched by Key (group, kind, namespace, name). Targets go kind by kind
// in opts.Order, deletions in manifest.UninstallOrder, objects of one kind
// concurrently. The error joins an *ObjectError per failure.
func (c *Client) Update(ctx context.Context, original, target []*Resource, opts ApplyOptions) (*Result, error) {
	if err := opts.validate(); err != nil {
		return &Result{}, err
	}
	sink := &warningSink{}
	limit := c.limit(opts.Concurrency)
	previous := make(map[Key]*Resource, len(original))
	for _, r := range original {
		previous[r.Key()] = r
	}
	outcomes := make([]outcome, len(target))
	var live []*unstructured.Unstructured
	if opts.Method == ServerSide {
		live = c.liveObjects(ctx, target, limit)
	}
	errs, err := inGroups(ctx, target, opts.order(), limit, func(ctx context.Context, i int, r *Resource) error {
		ctx = sink.forObject(ctx, r)
		var o outcome
		var err error
		switch {
		case r.Name() == "":
			o, err = c.create(ctx, r, &opts)
		case opts.Method == ServerSide:
			o, err = c.serverSideUpdate(ctx, r, live[i], &opts)
		default:
			o, err = c.clientSideUpdate(ctx, previous[r.Key()], r, &opts)
		}
		outcomes[i] = o
		return err
	})
	res := &Result{}
	res.collect(target, outcomes, opts.order())
	if err != nil {
		errs = append(errs, err)
	}
	if err := join(errs); err != nil {
		res.Warnings = sink.warnings()
		return res, err
	}

	wanted := make(map[Key]bool, len(target))
	for _, r := range target {
		wanted[r.Key()] = true
	}
	var gone []*Resource
	for _, r := range original {
		if !wanted[r.Key()] && r.Name() != "" {
			gone = append(gone, r)
		}
	}
	outcomes = make([]outcome, len(gone))
	errs, err = inGroups(ctx, gone, manifest.UninstallOrder, limit, func(ctx context.Context, i int, r *Resource) error {
		ctx = sink.forObject(ctx, r)
		live, err := c.getMeta(ctx, r)
		switch {
		case apierrors.IsNotFound(err):
			return nil
		case err != nil:
			return objectError(r, "get", err)
		case live.GetAnnotations()[ResourcePolicyAnnotation] == KeepPolicy:
			outcomes[i] = kept
			return nil
		}
		o, err := c.delete(ctx, r, metav1.DeletePropagationBackground, opts.DryRun)
		if o == absent {
			o = none
		}
		outcomes[i] = o
		return err
	})
	res.collect(gone, outcomes, manifest.UninstallOrder)
	res.Warnings = sink.warnings()
	if err != nil {
		errs = append(errs, err)
	}
	return res, join(errs)
}

// serverSideUpdate applies r over live (nil when it could not be read: missing,
// or not listed): first taking over the fields client-side writers of the release
// own (see takeOverClientSide), then leaving r out if live already is as applying
// it would make it (see appliedAlready), else applying it.
func (c *Client) serverSideUpdate(ctx context.Context, r *Resource, live *unstructured.Unstructured, o *ApplyOptions) (outcome, error) {
	switch {
	case live != nil:
		took, err := c.takeOverClientSide(ctx, r, live, o)
		if err != nil {
			return none, err
		}
		if !took && o.skipsUnchanged() && appliedAlready(r.Object, live, c.fieldManager) {
			return unchanged, nil
		}
	case o.UpgradeManagedFields:
		if err := c.upgradeManagedFields(ctx, r, o); err != nil {
			return none, err
		}
	}
	return c.serverSideApply(ctx, r, o)
}

// serverSideApply applies r whole, telling from the status code whether the server
// created it.
func (c *Client) serverSideApply(ctx context.Context, r *Resource, o *ApplyOptions) (outcome, error) {
	body, err := r.Object.MarshalJSON()
	if err != nil {
		return none, objectError(r, "apply", err)
	}
	var code int
	err = retry.OnError(retry.DefaultRetry, isQuotaConflict, func() error {
		req := c.raw.Patch(types.ApplyPatchType).
			AbsPath(objectPath(r, r.Name())).
			Param("fieldManager", c.fieldManager).
			Param("fieldValidation", o.validation()).
			Body(body)
		if o.ForceConflicts {
			req = req.Param("force", "true")
		}
		if o.DryRun {
			req = req.Param("dryRun", metav1.DryRunAll)
		}
		return req.Do(ctx).StatusCode(&code).Error()
	})
	if err != nil {
		return none, objectError(r, "apply", err)
	}
	if code == http.StatusCreated {
		return created, nil
	}
	return updated, nil
}

// create creates r.
func (c *Client) create(ctx context.Context, r *Resource, o *ApplyOptions) (outcome, error) {
	opts := metav1.CreateOptions{FieldManager: c.fieldManager, DryRun: o.dryRun()}
	if o.Method == ServerSide {
		opts.FieldValidation = o.validation()
	}
	err := retry.OnError(retry.DefaultRetry, isQuotaConflict, func() error {
		_, err := c.resourceClient(r).Create(ctx, r.Object, opts)
		return err
	})
	if err != nil {
		return none, objectError(r, "create", err)
	}
	return created, nil
}

// clientSideUpdate creates r if it is missing, otherwise replaces or patches it.
func (c *Client) clientSideUpdate(ctx context.Context, original, r *Resource, o *ApplyOptions) (outcome, error) {
	live, err := c.resourceClient(r).Get(ctx, r.Name(), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return c.create(ctx, r, o)
	}
	if err != nil {
		return none, objectError(r, "get", err)
	}
	if o.ForceReplace {
		return c.replace(ctx, r, live, o)
	}
	var prev *unstructured.Unstructured
	if original != nil {
		prev = original.Object
	}
	patch, pt, err := clientSidePatch(prev, r.Object, live, r.GVK, o.ThreeWayMergeCustomResources)
	if err != nil {
		return none, objectError(r, "patch", err)
	}
	if emptyPatch(patch) {
		return updated, nil
	}
	err = retry.OnError(retry.DefaultRetry, isQuotaConflict, func() error {
		_, err := c.resourceClient(r).Patch(ctx, r.Name(), pt, patch,
			metav1.PatchOptions{FieldManager: c.fieldManager, DryRun: o.dryRun()})
		return err
	})
	if err != nil {
		return none, objectError(r, "patch", err)
	}
	return updated, nil
}

// replace puts the target in place of the live object.
func (c *Client) replace(ctx context.Context, r *Resource, live *unstructured.Unstructured, o *ApplyOptions) (outcome, error) {
	obj := r.Object.DeepCopy()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if live == nil {
			var err error
			if live, err = c.resourceClient(r).Get(ctx, r.Name(), metav1.GetOptions{}); err != nil {
				return err
			}
		}
		if r.Object.GetResourceVersion() == "" {
			obj.SetResourceVersion(live.GetResourceVersion())
		}
		live = nil // a conflict means it changed: read it again
		_, err := c.resourceClient(r).Update(ctx, obj, metav1.UpdateOptions{
			FieldManager: c.fieldManager, FieldValidation: o.validation(), DryRun: o.dryRun(),
		})
		return err
	})
	if err != nil {
		return none, objectError(r, "replace", err)
	}
	return updated, nil
}

// ClientSideManagers are the field managers whose client-side writes (Update
// operations) a server-side apply takes over, besides the Client's own: Helm 3's
// (the name of its binary, "helm") and kubectl's client-side apply. Their fields
// become the field manager's applied ones, so the first server-side apply of a
// release Helm 3 installed neither conflicts with them nor leaves them behind.
// Other managers' fields are left alone.
var ClientSideManagers = []string{DefaultFieldManager, "kubectl-client-side-apply"}

func (c *Client) clientSideManagers() sets.Set[string] {
	return sets.New(ClientSideManagers...).Insert(c.fieldManager)
}

// takeOverClientSide moves the fields client-side managers own in live to the
// field manager's apply entry, and tells whether there were any. A live object
// that changed meanwhile is read again.
func (c *Client) takeOverClientSide(ctx context.Context, r *Resource, live *unstructured.Unstructured, o *ApplyOptions) (bool, error) {
	managers := c.clientSideManagers()
	if !hasUpdatesBy(live, managers) {
		return false, nil
	}
	patch, err := csaupgrade.UpgradeManagedFieldsPatch(live, managers, c.fieldManager)
	if err != nil {
		return false, objectError(r, "upgrade managed fields", err)
	}
	if len(patch) == 0 {
		return false, nil
	}
	_, err = c.resourceClient(r).Patch(ctx, r.Name(), types.JSONPatchType, patch,
		metav1.PatchOptions{FieldManager: c.fieldManager, DryRun: o.dryRun()})
	if apierrors.IsConflict(err) {
		return true, c.upgradeManagedFields(ctx, r, o)
	}
	return true, objectError(r, "upgrade managed fields", err)
}

// upgradeManagedFields hands the fields client-side managers own over to the
// field manager's server-side apply entry, reading the object first. Missing
// objects need nothing.
func (c *Client) upgradeManagedFields(ctx context.Context, r *Resource, o *ApplyOptions) error {
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		live, err := c.resourceClient(r).Get(ctx, r.Name(), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		patch, err := csaupgrade.UpgradeManagedFieldsPatch(live, c.clientSideManagers(), c.fieldManager)
		if err != nil || len(patch) == 0 {
			return err
		}
		_, err = c.resourceClient(r).Patch(ctx, r.Name(), types.JSONPatchType, patch,
			metav1.PatchOptions{FieldManager: c.fieldManager, DryRun: o.dryRun()})
		return err
	})
	return objectError(r, "upgrade managed fields", err)
}
