"""Using a trained model: per-dataset drawing recipes, preprocessing of drawings and photos, fast prediction."""
