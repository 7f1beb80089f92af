"""When has the caller finished their turn? Silence bounds it; the transcript and a turn model end it sooner."""
