"""The meeting page: a Rasa input channel (channel.py, the one module in bot/ that imports
Rasa) serving a page (static/) that shows the plan, the question, the answers and a live
preview of the draft MOU."""
