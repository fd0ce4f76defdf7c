package demo

// noAccessPage is not made here: the endings demo runs in child processes.
func noAccessPage() ([]byte, error) { return nil, errNoDemos }
