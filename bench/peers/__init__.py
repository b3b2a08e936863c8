"""Peer apps the benches measure ours against, in the same run. Never run as tests."""
