"""``medins demo``: a synthetic hospital month through every step the SDK offers."""
