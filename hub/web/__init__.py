"""The practitioners' web console: GOV.UK Design System pages over the hub's own services."""
