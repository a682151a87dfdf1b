"""Paper claims as runnable checks (the main job). Populated by the paper_checks issue."""
