// Package warn is how Rudder's libraries hand back warnings: things a user should
// see that did not stop the work (a values table overwritten by a scalar, a
// dependency condition that is not a boolean, a hook of an unknown kind). Libraries
// return them as data and never print; the CLI writes them with its logger, in
// Helm's log format, and a controller may record them as events.
//
//	vals, warnings, err := values.Coalesce(ch, user)
//	for _, w := range warnings {
//		logger.LogAttrs(ctx, w.Level, w.Msg, w.Attrs...)
//	}
package warn
