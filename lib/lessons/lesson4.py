"""Lesson 4: modelling deep networks, from the perceptron to GANs and autoencoders (source: ``003_*.txt``)."""

from lib.lessons import Lesson, Step, h

KERAS_SLIDE = [["Dense", {"units": 10}], ["Activation", {"activation": "linear"}]]

LESSON = Lesson(
    4,
    h("Modelling deep networks", "Modelagem de redes neurais profundas"),
    h(
        "The perceptron and its activations, convolution (the lesson's example: the centre 50 becomes 42) and "
        "pooling, CNNs, GANs, autoencoders, and Keras.",
        "O perceptron e suas ativações, a convolução (o exemplo da aula: o centro 50 vira 42) e o pooling, CNNs, "
        "GANs, autoencoders e o Keras.",
    ),
    (
        Step(
            "perceptron",
            h("The artificial neuron and the perceptron", "O neurônio artificial e o perceptron"),
            h(
                "The artificial neuron abstracts the biological nervous system: the first model is McCulloch and "
                "Pitts's (1943), the perceptron Rosenblatt's (1957). Its parts: a vector of inputs, a vector of "
                "weights, a bias term and an activation function; the dot product of inputs and weights, plus the "
                "bias, goes through the activation. Changing the weights is learning. Train a perceptron on the "
                "points below: one straight boundary, whatever the data.",
                "O neurônio artificial é uma abstração do sistema nervoso biológico: o primeiro modelo é o de "
                "McCulloch e Pitts (1943), o perceptron é o de Rosenblatt (1957). Suas partes: um vetor de "
                "entradas, um vetor de pesos, um termo de viés (bias) e uma função de ativação; o produto escalar "
                "das entradas pelos pesos, mais o viés, passa pela ativação. Mudar os pesos é aprender. Treine um "
                "perceptron com os pontos abaixo: uma fronteira reta, sejam quais forem os dados.",
            ),
            "playground",
            {"model": "perceptron"},
            code="perceptron = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation='sigmoid')])",
            numbers=("1943", "1957"),
        ),
        Step(
            "activations",
            h("Activation functions and softmax", "Funções de ativação e softmax"),
            h(
                "Given an input, the activation sets the neuron's state. Its kinds: (1) step function, (2) linear, "
                "(3) sigmoid, (4) hyperbolic tangent, (5) ReLU. Softmax, f(v_i) = e^(v_i) / Σ_j e^(v_j), normalises "
                "the outputs of a multi-class problem between 0 and 1; it is applied in the output layer, to fit the "
                "output into one of a set of classes.",
                "Dada uma entrada, a ativação define o estado do neurônio. Os tipos: (1) degrau (step), (2) linear, "
                "(3) sigmoide, (4) tangente hiperbólica, (5) ReLU. A softmax, f(v_i) = e^(v_i) / Σ_j e^(v_j), "
                "normaliza entre 0 e 1 as saídas de um problema multiclasse; é aplicada na camada de saída, para "
                "encaixar a saída numa das classes de um conjunto.",
            ),
            "activations",
            code="keras.layers.Dense(10, activation='softmax')  # outputs between 0 and 1 that add up to 1",
            numbers=((5, 0), (0, 0), (1, 0)),
        ),
        Step(
            "convolution",
            h("Convolution: the centre 50 becomes 42", "Convolução: o centro 50 vira 42"),
            h(
                "A convolution is a mathematical operation between two functions f and g that produces a third, a "
                "modified f: here an input image times a kernel, which yields feature maps. The lesson's example: "
                "a 5 × 5 input and a 3 × 3 kernel whose only 1 is at the top middle, so it copies the pixel above "
                "each position: the centre pixel, 50, becomes 42, the value above it. Edit the numbers or choose "
                "another kernel.",
                "A convolução é uma operação matemática entre duas funções f e g que produz uma terceira, uma f "
                "modificada: aqui, uma imagem de entrada vezes um kernel, o que gera mapas de características "
                "(feature maps). O exemplo da aula: uma entrada de 5 × 5 e um kernel de 3 × 3 cujo único 1 fica no "
                "meio de cima, então ele copia o pixel acima de cada posição: o pixel central, 50, vira 42, o valor "
                "acima dele. Edite os números ou escolha outro kernel.",
            ),
            "convolution",
            code="keras.layers.Conv2D(filters=1, kernel_size=3)  # kernel [[0, 1, 0], [0, 0, 0], [0, 0, 0]]",
            numbers=((5, 0), (3, 0), (50, 0), (42, 0)),
        ),
        Step(
            "pooling",
            h("Pooling", "Pooling"),
            h(
                "Pooling is an aggregation: it downsamples, reducing the scale like a convolution with a stride. "
                "Each window is summed up by its max, its average or its median; the lesson draws max pooling.",
                "O pooling é uma operação de agregação: ele reduz a amostragem (downsampling), diminuindo a escala "
                "como uma convolução com passo. Cada janela é resumida pelo máximo, pela média ou pela mediana; a "
                "aula desenha o pooling de máximo.",
            ),
            "pooling",
            code="keras.layers.MaxPooling2D(pool_size=2)  # also AveragePooling2D",
            numbers=((2, 0),),
        ),
        Step(
            "deep_learning",
            h("Deep learning", "Deep learning"),
            h(
                "Studying the day before the exam is shallow learning; studying every day from the start of the "
                "course is deep learning. It took off with more data and GPU processing: representations at more "
                "levels of abstraction and more complex classification; the more training data and epochs, the "
                "more it learns. It is used in computer vision, audio processing and big data. The lessons' "
                "networks, from the shallowest to the deepest:",
                "Estudar um dia antes da prova é aprendizado raso (shallow learning); estudar todo dia desde o "
                "início da disciplina é aprendizado profundo (deep learning). Ele decolou com mais dados e "
                "processamento em GPU: representações em mais níveis de abstração e classificação mais complexa; "
                "quanto mais dados de treino e épocas, maior o aprendizado. É usado em visão computacional, "
                "processamento de áudio e big data. As redes das aulas, da mais rasa à mais profunda:",
            ),
            "networks",
            code="len(modelo.layers), modelo.count_params()",
        ),
        Step(
            "cnn",
            h("Convolutional neural networks: LeNet-5", "Redes neurais convolucionais: a LeNet-5"),
            h(
                "CNNs are inspired by the biological model of vision and are built from convolution and pooling "
                "layers. LeNet-5 (Yann LeCun, 1998) is the classic; CNNs became popular from 2006 thanks to GPUs and "
                "grew from 2010 with large masses of data. The layers: input, convolution, pooling, fully connected "
                "(dense), output. LeNet-5's shapes:",
                "As CNNs se inspiram no modelo biológico da visão e são feitas de camadas de convolução e de "
                "pooling. A LeNet-5 (Yann LeCun, 1998) é a clássica; as CNNs ficaram populares a partir de 2006 por "
                "causa das GPUs e cresceram a partir de 2010 com a disponibilidade de grandes massas de dados. As "
                "camadas: entrada, convolução, pooling, totalmente conectada (densa), saída. Os formatos da LeNet-5:",
            ),
            "summary",
            {"preset": "lenet5"},
            code_from=("lenet5", "model"),
            numbers=((5, 0), "1998", "2006", "2010"),
        ),
        Step(
            "gan",
            h("Generative adversarial networks", "Redes adversárias generativas (GANs)"),
            h(
                "Generative: it learns a generative model. Adversarial: the network trains together with an "
                "adversary, learning from a competition. Networks: deep-learning networks. Ian Goodfellow et al., "
                "2014: a generator against a discriminator; the generator makes data starting from noise, the "
                "discriminator judges it against the real dataset. Uses: generating images and data, "
                "super-resolution, image recovery, extracting objects from an image, text to image, anomaly "
                "detection. Train a small GAN and watch its samples epoch by epoch.",
                "Generativa: aprende um modelo generativo. Adversária: a rede é treinada junto com uma rede "
                "adversária, aprendendo com uma competição. Redes: redes de aprendizado profundo. Ian Goodfellow et "
                "al., 2014: um gerador contra um discriminador; o gerador cria dados a partir de ruído, o "
                "discriminador os avalia contra o dataset real. Usos: geração de imagens e dados, super-resolução de "
                "imagens, recuperação de imagens, extração de objetos de uma imagem, texto para imagem, detecção de "
                "anomalias. Treine uma GAN pequena e veja as amostras época a época.",
            ),
            "gan",
            code="ruido = keras.random.normal((lote, 64))\nfalsas = gerador(ruido)\n"
            "nota = discriminador(falsas)  # real or generated?",
            numbers=("2014",),
        ),
        Step(
            "autoencoder",
            h("Autoencoders", "Autoencoders"),
            h(
                "Unsupervised learning: the autoencoder tries to learn an identity function, y(i) = x(i). The "
                "encoder compresses the input and the decoder decompresses it, so that the output equals the "
                "input. Here the code in the middle has only 2 numbers, so it can be drawn as a point.",
                "Aprendizado não supervisionado: o autoencoder tenta aprender uma função identidade, y(i) = x(i). O "
                "encoder comprime a entrada e o decoder a descomprime, para que a saída seja igual a ela. Aqui o "
                "código do meio tem só 2 números, então pode ser desenhado como um ponto.",
            ),
            "autoencoder",
            code="autoencoder.compile(optimizer='adam', loss='binary_crossentropy')\n"
            "autoencoder.fit(x_treino, x_treino, epochs=8)  # the input is also the target",
            numbers=((2, 0),),
        ),
        Step(
            "keras",
            h("Keras: layers, compile, fit, save and predict", "Keras: camadas, compile, fit, save e predict"),
            h(
                "Keras is a high-level deep-learning library written in Python (the slides name TensorFlow or "
                "Theano as backends). Its layers include Dense, Activation, Dropout, Flatten, Conv2D, MaxPooling2D "
                "and UpSampling. The slides' model is a `Dense(10)` on an input of shape (48, 48, 3), then "
                "`Activation('linear')`; it compiles with adam and categorical_crossentropy, fits with batch_size=4 "
                "and epochs=100, saves its weights and the model, loads them again and predicts. The table shows "
                "what that Dense does to a (48, 48, 3) input: it acts on the last axis only.",
                "O Keras é uma biblioteca de alto nível para deep learning, feita em Python (os slides citam "
                "TensorFlow ou Theano como backends). Suas camadas incluem Dense, Activation, Dropout, Flatten, "
                "Conv2D, MaxPooling2D e UpSampling. O modelo dos slides é uma `Dense(10)` sobre uma entrada de "
                "formato (48, 48, 3), depois `Activation('linear')`; ele compila com adam e "
                "categorical_crossentropy, treina com batch_size=4 e epochs=100, salva os pesos e o modelo, "
                "carrega de novo e faz o predict. A tabela mostra o que essa Dense faz com uma entrada (48, 48, 3): "
                "ela age só no último eixo.",
            ),
            "summary",
            {"layers": KERAS_SLIDE, "shape": [48, 48, 3], "name": "slides", "target": "none"},
            code="model = keras.Sequential()\nmodel.add(keras.Input((48, 48, 3)))\nmodel.add(keras.layers.Dense(10))\n"
            "model.add(keras.layers.Activation('linear'))\n"
            "model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])\n"
            "model.fit(X, Y, batch_size=4, epochs=100, validation_data=(X_test, Y_test))\n"
            "model.save_weights('saved.weights.h5')\nmodel.save('saved.keras')\n"
            "model.load_weights('saved.weights.h5')\nprediction = model.predict(data)",
            numbers=((48, 0), (3, 0), (10, 0), (4, 0), (100, 0)),
        ),
    ),
)
