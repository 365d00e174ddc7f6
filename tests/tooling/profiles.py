"""A business profile as the network answers it (Cloud API names), and what a backup makes of it:
shared by the tests of the profile endpoints and of the backup's profile section."""

from __future__ import annotations

NETWORK_PROFILE = {
    "about": "Succulents!",
    "address": "1 Main St",
    "email": "shop@example.com",
    "vertical": "PROF_SERVICES",
    "websites": ["https://example.com"],
    "profile_picture_url": "https://cdn.example/photo.png",
}
# The backup's section of NETWORK_PROFILE: every field (empty when never set), the photo left out.
BACKED_UP_PROFILE = {
    "business": {
        "address": "1 Main St",
        "description": "",
        "email": "shop@example.com",
        "vertical": "PROF_SERVICES",
        "websites": ["https://example.com"],
    },
    "about": {"text": "Succulents!"},
}
# What a restore of that section asks the network to set.
RESTORED_PROFILE = {**BACKED_UP_PROFILE["business"], "about": "Succulents!"}
