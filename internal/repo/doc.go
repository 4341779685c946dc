// Package repo is Rudder's client of classic HTTP chart repositories: the
// repositories.yaml file, the index.yaml model, downloads with Helm's credential and
// TLS rules, and a compact search cache that makes searching and resolving charts
// in big repositories fast.
//
//	f, _ := repo.LoadFile(settings.RepositoryConfig)
//	c := repo.NewClient(repo.ClientOptions{})
//	res, err := c.UpdateIndex(ctx, f.Get("stable"), cacheDir)
//	cache, _ := repo.OpenCache(cacheDir, "stable")
//	hits := repo.Search(cache, repo.SearchOptions{Term: "nginx"})
//
// Nothing here prints or reads settings: the CLI passes paths and options in.
package repo
