"""Lesson 1: from data to prediction, the Fashion-MNIST MLP (source: ``000_*.txt``)."""

from lib.lessons import Lesson, Step, h

PRESET = "fashion_mlp"

LESSON = Lesson(
    1,
    h("From data to prediction: the Fashion-MNIST MLP", "Dos dados à previsão: a MLP do Fashion-MNIST"),
    h(
        "The whole path of a Keras model, from choosing a dataset to asking the trained network about a picture.",
        "O caminho inteiro de um modelo Keras, da escolha do dataset até perguntar à rede treinada sobre uma imagem.",
    ),
    (
        Step(
            "keras",
            h("Keras and the datasets it ships", "O Keras e os datasets que ele já traz"),
            h(
                "Keras is a high-level API for neural networks, written in Python. Keras 3 runs on TensorFlow, "
                "JAX or PyTorch (the lesson, written earlier, names TensorFlow, CNTK and Theano). Before anything "
                "else we choose a dataset, and Keras already ships several in `keras.datasets`:\n\n"
                "- **boston_housing**: house prices in Boston (regression);\n"
                "- **cifar10**: 60,000 colour images of 32 × 32 in 10 classes, 6,000 per class;\n"
                "- **cifar100**: like CIFAR-10, but 100 classes of 600 images each;\n"
                "- **fashion_mnist**: Zalando's articles, 60,000 training and 10,000 test examples, each a 28 × 28 "
                "greyscale image with one of 10 labels;\n"
                "- **imdb**: film reviews labelled by sentiment;\n"
                "- **mnist**: handwritten digits;\n"
                "- **reuters**: news stories labelled by topic.\n\n"
                "This lesson uses **fashion_mnist**. The table shows what this machine has.",
                "O Keras é uma API de redes neurais de alto nível, escrita em Python. O Keras 3 roda sobre "
                "TensorFlow, JAX ou PyTorch (a aula, escrita antes, cita TensorFlow, CNTK e Theano). Antes de tudo "
                "escolhemos um dataset, e o Keras já traz vários em `keras.datasets`:\n\n"
                "- **boston_housing**: preços de imóveis em Boston (regressão);\n"
                "- **cifar10**: 60.000 imagens coloridas de 32 × 32 em 10 classes, 6.000 por classe;\n"
                "- **cifar100**: como o CIFAR-10, mas com 100 classes de 600 imagens cada;\n"
                "- **fashion_mnist**: artigos da loja Zalando, 60.000 exemplos de treino e 10.000 de teste, cada um "
                "uma imagem em tons de cinza de 28 × 28 com um de 10 rótulos;\n"
                "- **imdb**: críticas de filmes rotuladas pelo sentimento;\n"
                "- **mnist**: dígitos escritos à mão;\n"
                "- **reuters**: notícias rotuladas pelo assunto.\n\n"
                "Esta aula usa o **fashion_mnist**. A tabela mostra o que esta máquina tem.",
            ),
            "keras_datasets",
            code="import keras\n\n"
            "print(dir(keras.datasets))  # boston_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters",
            numbers=((60000, 0), (6000, 0), (600, 0), (100, 0), (10000, 0), (28, 0), (32, 0)),
        ),
        Step(
            "samples",
            h("Fashion-MNIST: its pictures and its 10 classes", "Fashion-MNIST: as imagens e as 10 classes"),
            h(
                "`load_data()` returns four arrays: 60,000 training images with their labels and 10,000 test "
                "images with theirs. Each image is 28 × 28 pixels, each label a whole number from 0 to 9 naming "
                "one of 10 kinds of article. Here are real samples of every class.",
                "`load_data()` devolve quatro arrays: 60.000 imagens de treino com seus rótulos e 10.000 imagens "
                "de teste com os delas. Cada imagem tem 28 × 28 pixels, cada rótulo é um número inteiro de 0 a 9 "
                "que nomeia um de 10 tipos de artigo. Aqui estão amostras reais de cada classe.",
            ),
            "samples",
            {"dataset": "fashion_mnist"},
            code="(imagens_treino, identificacoes_treino), (imagens_teste, identificacoes_teste) = (\n"
            "    keras.datasets.fashion_mnist.load_data()\n)\nprint(imagens_treino.shape)  # (60000, 28, 28)",
            numbers=((60000, 0), (10000, 0), (28, 0), (10, 0)),
        ),
        Step(
            "normalise",
            h("Normalising: from 0–255 to 0–1", "Normalizar: de 0–255 para 0–1"),
            h(
                "Each pixel is stored as a whole number from 0 (black) to 255 (white). Dividing by 255 puts every "
                "pixel between 0 and 1: the picture is the same, but the numbers the network multiplies are small, "
                "so its first updates neither explode nor stall. The two histograms are the same pixels before and "
                "after the division. The comparison below trains the lesson's network twice on the same data, "
                "once on the raw 0–255 pixels and once divided by 255.",
                "Cada pixel é guardado como um número inteiro de 0 (preto) a 255 (branco). Dividir por 255 põe "
                "cada pixel entre 0 e 1: a imagem é a mesma, mas os números que a rede multiplica ficam pequenos, "
                "e as primeiras atualizações nem explodem nem emperram. Os dois histogramas são os mesmos pixels "
                "antes e depois da divisão. A comparação abaixo treina a rede da aula duas vezes com os mesmos "
                "dados, uma com os pixels crus de 0 a 255 e outra divididos por 255.",
            ),
            "normalise",
            {"dataset": "fashion_mnist", "preset": PRESET},
            code="imagens_treino = imagens_treino / 255.0\nimagens_teste = imagens_teste / 255.0",
            numbers=((255, 0), (0, 0), (1, 0)),
        ),
        Step(
            "sequential",
            h("The Sequential model and its summary", "O modelo Sequential e o seu resumo"),
            h(
                "`keras.Sequential` is a linear stack of layers: each layer's output is the next one's input. The "
                "lesson's network has four: `Flatten` takes the 28 × 28 image, `Dense(256, relu)` processes it "
                "(256 is not a magic number: it is tried and adjusted), `Dropout(0.2)` puts some units to sleep "
                "while training, and `Dense(10, softmax)` gives one probability per category, 10 because there are "
                "10 kinds of article. The lesson writes `Flatten(input_shape=(28, 28))`; Keras 3 names the input "
                "with `keras.Input`, as the exported script below does. The summary is the app's reading of the "
                "same model: 784 values after Flatten and 203,530 parameters in all.",
                "`keras.Sequential` é uma pilha linear de camadas: a saída de cada camada é a entrada da próxima. "
                "A rede da aula tem quatro: `Flatten` recebe a imagem de 28 × 28, `Dense(256, relu)` a processa "
                "(256 não é um número mágico: ele é testado e ajustado), `Dropout(0.2)` adormece algumas unidades "
                "durante o treino e `Dense(10, softmax)` dá uma probabilidade por categoria, 10 porque há 10 tipos "
                "de artigo (com taxa 0,2 no Dropout). A aula escreve `Flatten(input_shape=(28, 28))`; "
                "o Keras 3 declara a entrada com "
                "`keras.Input`, como faz o script exportado abaixo. O resumo é a leitura que o app faz do mesmo "
                "modelo: 784 valores depois do Flatten e 203.530 parâmetros ao todo.",
            ),
            "summary",
            {"preset": PRESET},
            code_from=(PRESET, "model"),
            numbers=((28, 0), (256, 0), (0.2, 1), (10, 0), (784, 0), (203530, 0)),
        ),
        Step(
            "flatten",
            h("The Flatten layer", "A camada Flatten"),
            h(
                "Flattening a tensor removes every dimension but one. `Flatten` does exactly that: the 28 × 28 "
                "grid of one image becomes a row of 784 numbers, read line by line. Nothing is learned here "
                "(0 parameters): the numbers are only laid out for the Dense layer.",
                "Achatar um tensor é remover todas as dimensões menos uma. É exatamente o que o `Flatten` faz: a "
                "grade de 28 × 28 de uma imagem vira uma fila de 784 números, lida linha por linha. Nada é "
                "aprendido aqui (0 parâmetros): os números só são arrumados para a camada Dense.",
            ),
            "flatten",
            {"dataset": "fashion_mnist"},
            code="keras.layers.Flatten()  # (28, 28) -> (784,)",
            numbers=((28, 0), (784, 0), (0, 0)),
        ),
        Step(
            "dense",
            h(
                "The Dense layer: activation(dot(input, kernel) + bias)",
                "A camada Dense: activation(dot(input, kernel) + bias)",
            ),
            h(
                "Dense is the ordinary, densely connected layer, the core one. It computes "
                "`output = activation(dot(input, kernel) + bias)`: the dot product of the input with the layer's "
                "weight matrix (the kernel, 784 × 256 here), plus a bias vector (256 values), then the activation "
                "applied to each value (relu: negatives become 0). Below, the computation on one real image, "
                "number by number, with the weights of your trained network once you have one (before that, the "
                "starting weights Keras would draw).",
                "A Dense é a camada comum, densamente conectada, a camada central. Ela calcula "
                "`output = activation(dot(input, kernel) + bias)`: o produto escalar da entrada com a matriz de "
                "pesos da camada (o kernel, 784 × 256 aqui), mais um vetor de viés (256 valores), e então a "
                "ativação aplicada a cada valor (relu: os negativos viram 0). Abaixo, a conta feita com uma imagem "
                "real, número por número, com os pesos da sua rede treinada quando você tiver uma (antes disso, os "
                "pesos iniciais que o Keras sortearia).",
            ),
            "dense",
            {"dataset": "fashion_mnist", "preset": PRESET},
            code="keras.layers.Dense(256, activation='relu')\n# output = relu(dot(input, kernel) + bias)",
            numbers=((784, 0), (256, 0)),
        ),
        Step(
            "dropout",
            h("Dropout and overfitting", "Dropout e overfitting"),
            h(
                "Dropout sets a random fraction of the input units to 0 at every update during training, which "
                "helps against overfitting. With a rate of 0.2, about one unit in five is dropped each time. "
                "Overfitting: a model trained too long on its data starts learning the noise and the imprecise "
                "examples, and then classifies new data worse, because of too many details. Move the rate and "
                "draw a new mask.",
                "O Dropout zera uma fração aleatória das unidades de entrada a cada atualização durante o treino, "
                "o que ajuda a evitar o overfitting (ajuste excessivo). Com taxa 0,2, cerca de uma unidade em cinco "
                "é descartada a cada vez. Overfitting: um modelo treinado demais nos seus dados passa a aprender o "
                "ruído e os exemplos imprecisos, e então classifica pior os dados novos, por excesso de detalhes. "
                "Mude a taxa e sorteie uma nova máscara.",
            ),
            "dropout",
            {"rate": 0.2},
            code="keras.layers.Dropout(0.2)",
            numbers=((0.2, 1),),
        ),
        Step(
            "compile",
            h("Compile: optimizer, loss and metrics", "Compile: otimizador, perda e métricas"),
            h(
                "Before training, `compile` sets up the learning process. It takes three arguments: an "
                "**optimizer** (a name such as `rmsprop` or `adagrad`, or an Optimizer object; here `adam`), a "
                "**loss**, the objective the model will try to minimise (a name such as `categorical_crossentropy` "
                "or `mse`; here `sparse_categorical_crossentropy`, because the labels are whole numbers 0–9 and not "
                "one-hot vectors), and a list of **metrics** (for a classification, `['accuracy']`).",
                "Antes de treinar, o `compile` configura o processo de aprendizado. Ele recebe três argumentos: um "
                "**otimizador** (um nome como `rmsprop` ou `adagrad`, ou um objeto Optimizer; aqui `adam`), uma "
                "**função de perda**, o objetivo que o modelo tentará minimizar (um nome como "
                "`categorical_crossentropy` ou `mse`; aqui `sparse_categorical_crossentropy`, porque os rótulos são "
                "números inteiros de 0 a 9 e não vetores one-hot) e uma lista de **métricas** (numa classificação, "
                "`['accuracy']`).",
            ),
            "compile",
            {"preset": PRESET},
            code_from=(PRESET, "compile"),
            numbers=((0, 0), (9, 0)),
        ),
        Step(
            "fit",
            h("Training with fit: 5 epochs, validation_split=0.2", "Treinar com fit: 5 épocas, validation_split=0.2"),
            h(
                "`fit` trains the model for a fixed number of epochs (passes over the data): 5 here, with "
                "`validation_split=0.2`, so the last 20 % of the training images are kept aside and measured after "
                "every epoch. It returns a History object whose `history` attribute records the loss and metrics of "
                "each epoch, for training and for validation: the curves below are that record, drawn live. Press "
                "**Train**: the run is yours (cached, stoppable), and everyone's result appears in the class table.",
                "O `fit` treina o modelo por um número fixo de épocas (passadas pelos dados): 5 aqui, com "
                "`validation_split=0.2` (0,2 = 20 %), então os últimos 20 % das imagens de treino ficam de lado "
                "e são medidos depois de cada época. Ele devolve um objeto History cujo atributo `history` "
                "registra a perda e as métricas de cada época, no treino e na validação: as curvas abaixo são "
                "esse registro, desenhado ao "
                "vivo. Aperte **Treinar**: o treino é seu (fica guardado, pode ser parado), e o resultado de todos "
                "aparece na tabela da turma.",
            ),
            "fit",
            {"preset": PRESET},
            code_from=(PRESET, "fit"),
            code="historico = modelo.fit(imagens_treino, identificacoes_treino, epochs=5, validation_split=0.2)",
            numbers=((5, 0), (0.2, 1), (20, 0)),
        ),
        Step(
            "overfitting",
            h("Reading the curves: is it overfitting?", "Lendo as curvas: há overfitting?"),
            h(
                "Overfitting shows on the curves: the training accuracy keeps rising while the validation accuracy "
                "stops rising (or falls), and the gap between them grows. After 5 epochs the two are usually close; "
                "train the same network for 20 epochs and the gap opens. The table gives the gap per epoch.",
                "O overfitting aparece nas curvas: a acurácia de treino continua subindo enquanto a de validação "
                "para de subir (ou cai), e a distância entre elas cresce. Depois de 5 épocas as duas costumam estar "
                "próximas; treine a mesma rede por 20 épocas e a distância se abre. A tabela dá a diferença por "
                "época.",
            ),
            "overfitting",
            {"preset": PRESET, "longer": 20},
            code="historico.history['accuracy'], historico.history['val_accuracy']",
            numbers=((5, 0), (20, 0)),
        ),
        Step(
            "predict",
            h("predict: probabilities and argmax", "predict: probabilidades e argmax"),
            h(
                "Once the costly part is done, `predict` generates output predictions for input samples. For one "
                "test image it gives 10 probabilities, one per class, that add up to 1 (the softmax); `argmax` "
                "picks the class with the largest one. Choose a test image and compare the answer with its true "
                "label.",
                "Depois que a parte custosa terminou, o `predict` gera as previsões de saída para as amostras de "
                "entrada. Para uma imagem de teste ele dá 10 probabilidades, uma por classe, que somam 1 (o "
                "softmax); o `argmax` escolhe a classe com a maior. Escolha uma imagem de teste e compare a "
                "resposta com o rótulo verdadeiro.",
            ),
            "predict",
            {"preset": PRESET},
            code="probabilidades = modelo.predict(imagens_teste[i : i + 1])[0]  # 10 values, sum 1\n"
            "classe = probabilidades.argmax()",
            numbers=((10, 0), (1, 0)),
        ),
        Step(
            "draw",
            h("predict on your own drawing", "predict com o seu próprio desenho"),
            h(
                "The same `predict`, on a garment you draw: the drawing is made into the 28 × 28 array the network "
                "expects (white on black, centred like the dataset's pictures), and the 10 probabilities follow "
                "each stroke.",
                "O mesmo `predict`, com uma peça de roupa que você desenha: o desenho vira o array de 28 × 28 que a "
                "rede espera (branco no preto, centralizado como as imagens do dataset), e as 10 probabilidades "
                "acompanham cada traço.",
            ),
            "draw",
            {"preset": PRESET},
            code="x = desenho_28x28[None, ..., None] / 255.0\nprobabilidades = modelo.predict(x)[0]",
            numbers=((28, 0), (10, 0)),
        ),
    ),
)
