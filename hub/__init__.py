"""Inter-agency safeguarding information-sharing hub."""
