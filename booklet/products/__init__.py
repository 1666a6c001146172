"""What booklet makes: requests, fitting, the card, the booklet, a diagram file."""
