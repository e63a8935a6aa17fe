"""Inside a trained network: what it looks at, what each layer computes, where it confuses.

Saliency, SmoothGrad and Grad-CAM, every layer's activations, the learned filters, the
embedding projector and the confusion matrix's cells. Pure functions and small classes, no
Streamlit; Keras is imported lazily and the gradient is taken on whichever backend this
process runs (``KERAS_BACKEND``).
"""
