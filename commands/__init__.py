"""The command line's plumbing, shared by every command's parser."""
