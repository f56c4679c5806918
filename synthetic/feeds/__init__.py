"""Writers for each agency's native export, exactly as docs/native-formats.md defines them."""
