"""The conversation engine: one state machine per call decides who speaks, when a turn ends, and why."""
