"""Inside a trained network: what it looks at (saliency, SmoothGrad, Grad-CAM), every layer's
activations, its learned filters, the embedding projector and the confusion matrix's cells.

Pure functions and small classes, no Streamlit; Keras is imported lazily and the gradient is
taken on whichever backend this process runs (``KERAS_BACKEND``).
"""
