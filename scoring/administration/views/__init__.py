"""Administration pages for Sở Nội vụ, split by topic: sets, tree, units, cycles, users, audit."""
