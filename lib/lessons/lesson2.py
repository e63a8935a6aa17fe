"""Lesson 2: deep-learning terms and the handwritten-digits mini-project (source: ``001_*.txt``)."""

from lib.lessons import Lesson, Step, h

PRESET = "mnist_mlp"
SHALLOW = [
    ["Flatten", {}],
    ["Dense", {"units": 64, "activation": "relu"}],
    ["Dense", {"units": 10, "activation": "softmax"}],
]
DEEP = [
    ["Flatten", {}],
    *[["Dense", {"units": 64, "activation": "relu"}]] * 4,
    ["Dense", {"units": 10, "activation": "softmax"}],
]

LESSON = Lesson(
    2,
    h("Deep-learning terms and the digits mini-project", "Termos de deep learning e o miniprojeto dos dígitos"),
    h(
        "Networks, deep networks, feed-forward, activations and backpropagation; then a network that reads "
        "handwritten digits.",
        "Redes, redes profundas, feed-forward, ativações e retropropagação; depois uma rede que lê dígitos "
        "escritos à mão.",
    ),
    (
        Step(
            "networks",
            h("Neural networks: input, hidden and output layers", "Redes neurais: camadas de entrada, oculta e saída"),
            h(
                "Deep learning trains an artificial neural network on a large amount of data; once trained, it "
                "predicts on data it has not seen. The idea comes from the networks of neurons in our brain. A "
                "typical network has three layers: input, hidden and output. With a single hidden layer it is "
                "called a *shallow* network. The table is such a network for 28 × 28 images: one hidden Dense "
                "layer between the input and the 10 outputs.",
                "O deep learning treina uma rede neural artificial com uma grande quantidade de dados; depois de "
                "treinada, ela faz previsões sobre dados que nunca viu. A ideia vem das redes de neurônios do nosso "
                "cérebro. Uma rede típica tem três camadas: entrada, oculta e saída. Com uma única camada oculta ela "
                "é chamada de rede *rasa* (shallow). A tabela é uma rede assim para imagens de 28 × 28: uma camada "
                "Dense oculta entre a entrada e as 10 saídas.",
            ),
            "summary",
            {"layers": SHALLOW, "shape": [28, 28, 1], "name": "shallow"},
            code="modelo = keras.Sequential([\n    keras.Input((28, 28, 1)), keras.layers.Flatten(),\n"
            "    keras.layers.Dense(64, activation='relu'),     # the one hidden layer\n"
            "    keras.layers.Dense(10, activation='softmax'),\n])",
            numbers=((10, 0),),
        ),
        Step(
            "deep",
            h("Deep networks", "Redes profundas"),
            h(
                "Add hidden layers and the network becomes deep: here four hidden layers between one input layer "
                "and one output layer. Each hidden layer added makes training more demanding, in resources and in "
                "the time it takes to train the network fully: compare the parameters with the shallow network's.",
                "Acrescente camadas ocultas e a rede fica profunda: aqui, quatro camadas ocultas entre uma camada de "
                "entrada e uma de saída. Cada camada oculta a mais torna o treino mais exigente, em recursos e no "
                "tempo para treinar a rede por completo: compare os parâmetros com os da rede rasa.",
            ),
            "summary",
            {"layers": DEEP, "shape": [28, 28, 1], "name": "deep"},
            code="keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),\n"
            "    *[keras.layers.Dense(64, activation='relu') for _ in range(4)],  # four hidden layers\n"
            "    keras.layers.Dense(10, activation='softmax')])",
            numbers=((4, 0),),
        ),
        Step(
            "feedforward",
            h("Training a network: feed-forward", "Treinar uma rede: feed-forward"),
            h(
                "Once the architecture is defined, training is the search for the right weight of every link in "
                "the network. While training, the data flows from the input layer through the hidden layers to "
                "the output layer, always in one direction: that is why it is a *feed-forward network*, and the "
                "flow is *forward propagation*. Train the small network below and watch its weights bend the "
                "boundary between the two kinds of points, epoch by epoch.",
                "Definida a arquitetura, treinar é procurar o peso certo de cada ligação da rede. Durante o treino, "
                "os dados fluem da camada de entrada, pelas camadas ocultas, até a camada de saída, sempre numa só "
                "direção: por isso é uma *rede feed-forward*, e o fluxo é a *propagação para a frente* (forward "
                "propagation). Treine a rede pequena abaixo e veja os pesos dela curvarem a fronteira entre os dois "
                "tipos de ponto, época a época.",
            ),
            "playground",
            {"model": "mlp"},
            code="saida = modelo(entrada)  # forward propagation: input -> hidden -> output",
        ),
        Step(
            "activation",
            h("Activation functions", "Funções de ativação"),
            h(
                "In each layer we compute the weighted sum of the inputs and feed it to an activation function, "
                "which brings non-linearity into the network. The most used are sigmoid, hyperbolic tangent (tanh), "
                "ReLU and softmax. Pick functions to compare them, and give softmax a few scores.",
                "Em cada camada calculamos a soma ponderada das entradas e a passamos para uma função de ativação, "
                "que traz a não linearidade para a rede. As mais usadas são a sigmoide, a tangente hiperbólica "
                "(tanh), a ReLU e a softmax. Escolha funções para compará-las e dê alguns valores para a softmax.",
            ),
            "activations",
            code="keras.layers.Dense(512, activation='relu')  # also 'sigmoid', 'tanh', 'softmax'",
        ),
        Step(
            "backprop",
            h("Backpropagation and gradient descent", "Retropropagação e gradiente descendente"),
            h(
                "Backpropagation is an algorithm for supervised learning: the error propagates from the output back "
                "to the input layer. Given an error function, we compute its gradient with respect to the weight of "
                "each connection, from back to front: the gradient of the last layer of weights first, the first "
                "layer's last. At each layer the partial results are reused for the layer before; the weights then "
                "move against their gradient (gradient descent). Below, one update of a network with two weights, "
                "number by number.",
                "A retropropagação é um algoritmo de aprendizagem supervisionada: o erro se propaga da saída de "
                "volta para a camada de entrada. Dada uma função de erro, calculamos o seu gradiente em relação ao "
                "peso de cada conexão, de trás para a frente: primeiro o gradiente da última camada de pesos, por "
                "último o da primeira. Em cada camada os cálculos parciais são reaproveitados para a camada "
                "anterior; depois os pesos andam contra o gradiente (gradiente descendente). Abaixo, uma "
                "atualização de uma rede de dois pesos, número por número.",
            ),
            "backprop",
            code="with tf.GradientTape() as fita:\n    perda = keras.losses.mean_squared_error(y, modelo(x))\n"
            "gradientes = fita.gradient(perda, modelo.trainable_weights)  # last layer first\n"
            "otimizador.apply_gradients(zip(gradientes, modelo.trainable_weights))",
        ),
        Step(
            "digits",
            h("The mini-project: MNIST's handwritten digits", "O miniprojeto: os dígitos manuscritos do MNIST"),
            h(
                "The first challenge of any machine-learning project is collecting the data, and deep networks need "
                "a lot of it. For handwritten digits it exists already: MNIST, part of Keras, 70,000 images of "
                "28 × 28 pixels in shades of grey (the lesson writes 768 pixels; 28 × 28 is 784). Most pixels are "
                "near black and only a few near white, and where the white ones lie tells the digits apart. The 784 "
                "pixels are the network's input; the output has 10 categories, the digits 0 to 9. Most of the data "
                "trains the model and the rest validates it.",
                "O primeiro desafio de qualquer projeto de aprendizado de máquina é coletar os dados, e redes "
                "profundas precisam de muitos. Para dígitos manuscritos eles já existem: o MNIST, parte do Keras, "
                "70.000 imagens de 28 × 28 pixels em tons de cinza (a aula escreve 768 pixels; 28 × 28 dá 784). A "
                "maioria dos pixels é quase preta e só alguns são quase brancos, e onde ficam os brancos distingue "
                "os dígitos. Os 784 pixels são a entrada da rede; a saída tem 10 categorias, os dígitos de 0 a 9. A "
                "maior parte dos dados treina o modelo e o resto o valida.",
            ),
            "samples",
            {"preset": PRESET},
            code="(x_treino, y_treino), (x_teste, y_teste) = keras.datasets.mnist.load_data()  # 60000 + 10000",
            numbers=((70000, 0), (28, 0), (784, 0), (768, 0), (10, 0)),
        ),
        Step(
            "project_net",
            h("The network: 784 → 512 → 512 → 10", "A rede: 784 → 512 → 512 → 10"),
            h(
                "Four layers: an input layer (the 784 pixels), two hidden layers of 512 nodes each and an output "
                "layer of 10. Every layer is fully connected to the next, and training computes the weight of "
                "every connection, by backpropagation and gradient descent. The app's version adds Dropout(0.2) "
                "after each hidden layer, as Keras's own MNIST example does.",
                "Quatro camadas: uma de entrada (os 784 pixels), duas ocultas com 512 nós cada e uma de saída com "
                "10. Cada camada é totalmente conectada à seguinte, e o treino calcula o peso de cada conexão, por "
                "retropropagação e gradiente descendente. A versão do app acrescenta Dropout(0.2) depois de cada "
                "camada oculta, como faz o exemplo de MNIST do próprio Keras.",
            ),
            "summary",
            {"preset": PRESET},
            code_from=(PRESET, "model"),
            numbers=((784, 0), (512, 0), (10, 0), (4, 0)),
        ),
        Step(
            "project_fit",
            h("Training the digits network", "Treinar a rede dos dígitos"),
            h(
                "Press **Train**: backpropagation and gradient descent (RMSprop here) adjust every weight, 5 epochs "
                "by default (open the settings to train longer). When MNIST is not on this machine the step trains "
                "on Fashion-MNIST, which has the same shapes: 28 × 28 images and 10 classes.",
                "Aperte **Treinar**: a retropropagação e o gradiente descendente (aqui o RMSprop) ajustam cada "
                "peso, 5 épocas por padrão (abra os valores para treinar mais). Quando o MNIST não está nesta "
                "máquina, o passo treina com o Fashion-MNIST, que tem os mesmos formatos: imagens de 28 × 28 e "
                "10 classes.",
            ),
            "fit",
            {"preset": PRESET, "epochs": 5},
            code_from=(PRESET, "compile"),
            numbers=((5, 0), (28, 0), (10, 0)),
        ),
    ),
)
