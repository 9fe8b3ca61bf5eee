"""Every query lives here; services decide, repositories read and write."""
