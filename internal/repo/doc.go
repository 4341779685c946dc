// Package repo is Rudder's client of classic HTTP chart repositories: the
// repositories.yaml file, the index.yaml model, downloads with Helm's credential and
// TLS rules, and a compact search cache that makes searching and resolving charts
// in big repositories fast.
//
//	f, _ := repo.LoadFile(repositoriesYAML)
//	e := f.Get("stable")
//	warnings, err := repo.UpdateIndex(ctx, e, cacheDir, repo.EntryOptions(e)) // index.yaml and its compact cache
//	cache, _, err := repo.LoadCache(cacheDir, "stable")
//	hits, err := repo.Search([]*repo.Cache{cache}, repo.SearchOptions{Term: "nginx"})
//	ref, err := cache.Resolve(e.URL, "nginx", "^1.0.0") // where to download it, and its digest
//
// Nothing here prints or reads settings: the CLI passes paths and options in.
package repo
