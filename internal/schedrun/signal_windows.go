package schedrun

// suspend and resume have no signals to send here.
func suspend(int) error { return errNotLinux }

func resume(int) error { return errNotLinux }
