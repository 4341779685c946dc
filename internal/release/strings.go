package release

// String methods, so that templates (get all --template) can call .String on
// these values, as they can on Helm's.

func (s Status) String() string              { return string(s) }
func (e HookEvent) String() string           { return string(e) }
func (p HookPhase) String() string           { return string(p) }
func (p HookDeletePolicy) String() string    { return string(p) }
func (p HookOutputLogPolicy) String() string { return string(p) }
