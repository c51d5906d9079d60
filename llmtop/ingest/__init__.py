"""Sources into the store: following files, stdin, listeners, the one writer."""
