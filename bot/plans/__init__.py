"""What a committee does with a plan (planner.py), in plain terms: plan codes and access keys
(codes.py), who is in the room (members.py), the read models everything else is given
(views.py), the completeness review (review.py), typed text made safe to keep (text.py)."""
