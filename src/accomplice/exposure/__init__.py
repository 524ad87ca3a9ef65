"""Pure supply-chain and ownership exposure: the CAATSA §321(b) presumption and OFAC's 50% rule."""
