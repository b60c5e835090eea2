"""The dose: the pure policy (model, rules, fold) and its place in the care record."""
