"""What the agent says, as text and as timed audio: speakable pieces, and where each word falls."""
