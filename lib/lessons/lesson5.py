"""Lesson 5: deep learning through its abstractions, and the method (source: ``004_*.txt``)."""

from lib.lessons import Lesson, Step, h

BASE = "digits_mlp"  # the method's steps run on the 8×8 digits: seconds per run, always offline
NORM = [["Flatten", {}], ["Dense", {"units": 64}], ["BatchNormalization", {}], ["Activation", {"activation": "relu"}],
        ["Dense", {"units": 10, "activation": "softmax"}]]  # fmt: skip
DIGITS_NOTE_EN = (
    " These steps run on the 8 × 8 digits (1,797 real images, always on this machine): each run takes seconds."
)
DIGITS_NOTE_PT = (
    " Estes passos usam os dígitos 8 × 8 (1.797 imagens reais, sempre nesta máquina): cada treino leva segundos."
)

LESSON = Lesson(
    5,
    h("Deep learning through its abstractions", "Deep learning através das abstrações"),
    h(
        "Keras's models, layers and losses, and the method: a baseline first, splits, small datasets "
        "(augmentation, transfer learning), hyperparameter search, cross-validation, imbalanced classes.",
        "Os modelos, camadas e perdas do Keras, e o método: um baseline primeiro, divisões, datasets pequenos "
        "(augmentation, transfer learning), busca de hiperparâmetros, validação cruzada, classes desbalanceadas.",
    ),
    (
        Step(
            "models",
            h("Models: Sequential and Functional", "Modelos: Sequential e Functional"),
            h(
                "**Sequential** is simple to use and object-oriented, but limited to networks that are one path. "
                "**Functional** gives more flexible models, which can be DAGs (directed acyclic graphs), in a more "
                "functional style; intermediate layers' outputs are easy to take; it needs a little more "
                "adapting, such as using `Input`. Below, a Functional network with two branches joined by "
                "Concatenate: no Sequential can say that.",
                "O **Sequential** é simples de usar e orientado a objetos, mas se limita a redes que são um caminho "
                "só. O **Functional** dá modelos mais flexíveis, que podem ser DAGs (grafos acíclicos dirigidos), "
                "num estilo mais funcional; é fácil pegar a saída de camadas intermediárias; ele requer um pouco "
                "mais de adaptação, como usar o `Input`. Abaixo, uma rede Functional com dois ramos unidos por um "
                "Concatenate: nenhum Sequential diz isso.",
            ),
            "summary",
            {"preset": "two_branch_cnn"},
            code_from=("two_branch_cnn", "model"),
            numbers=((2, 0),),
        ),
        Step(
            "dense",
            h(
                "Layers: Dense and its (input + 1) × output parameters",
                "Camadas: Dense e seus (input + 1) × output parâmetros",
            ),
            h(
                "Dense layers connect every neuron to every neuron of the next layer: the simplest model, with a "
                "large number of links, (input + 1) × output (one weight per link plus one bias per neuron). Main "
                "parameters: `units` (neurons in the output), `activation`, and `input_shape`, only needed on the "
                "first layer. Try sizes:",
                "Camadas densas ligam todos os neurônios a todos os da próxima camada: o modelo mais simples, com um "
                "número elevado de ligações, (input + 1) × output (um peso por ligação mais um viés por neurônio). "
                "Parâmetros principais: `units` (neurônios na saída), `activation` e `input_shape`, só necessário "
                "na primeira camada. Teste tamanhos:",
            ),
            "dense_params",
            code="keras.layers.Dense(units=256, activation='relu')  # (784 + 1) * 256 = 200960 parameters",
            numbers=((1, 0), (784, 0), (256, 0), (200960, 0)),
        ),
        Step(
            "conv2d",
            h("Layers: Conv2D", "Camadas: Conv2D"),
            h(
                "Convolutional layers learn filters; two-dimensional, good for images. Main parameters: `filters` "
                "(how many are learned), `kernel_size` (their size), `activation`, `strides` (the step in each "
                "direction) and `padding` (`same` or `valid`); the input is a 4-D tensor (batch, rows, cols, "
                "channels). Change the stride and the padding and watch the output size.",
                "Camadas convolucionais aprendem filtros; bidimensionais, boas para imagens. Parâmetros principais: "
                "`filters` (quantos são aprendidos), `kernel_size` (o tamanho deles), `activation`, `strides` (o "
                "passo em cada direção) e `padding` (`same` ou `valid`); a entrada é um tensor 4-D (batch, rows, "
                "cols, channels). Mude o passo e o padding e veja o tamanho da saída.",
            ),
            "convolution",
            code="keras.layers.Conv2D(filters=32, kernel_size=3, strides=1, padding='same', activation='relu')",
            numbers=((4, 0),),
        ),
        Step(
            "maxpool",
            h("Layers: MaxPooling2D", "Camadas: MaxPooling2D"),
            h(
                "MaxPooling2D reduces the image's size and detail, in two dimensions. Main parameters: `pool_size` "
                "(the down-scaling factor), `strides` (how far the window moves in each direction) and `padding` "
                "(`same` or `valid`).",
                "O MaxPooling2D reduz a dimensão e os detalhes da imagem, em duas dimensões. Parâmetros principais: "
                "`pool_size` (o fator de redução), `strides` (quanto a janela anda em cada direção) e `padding` "
                "(`same` ou `valid`).",
            ),
            "pooling",
            code="keras.layers.MaxPooling2D(pool_size=2, strides=2, padding='valid')",
            numbers=((2, 0),),
        ),
        Step(
            "dropout",
            h("Layers: Dropout, in training and in testing", "Camadas: Dropout, no treino e no teste"),
            h(
                "Dropout, during training, cancels the activation of a share p of the neurons of the layer before "
                "it; in the classic formulation the lesson gives, at test time every output is multiplied by 1 − p. "
                "Keras does the same thing the other way round (inverted dropout): it scales by 1 / (1 − p) while "
                "training and leaves the test alone. Main parameters: `rate` (the p) and `seed`.",
                "O Dropout, durante o treino, anula a ativação de uma fração p dos neurônios da camada anterior; na "
                "formulação clássica que a aula dá, no teste cada saída é multiplicada por 1 − p. O Keras faz a "
                "mesma coisa pelo outro lado (dropout invertido): multiplica por 1 / (1 − p) no treino e deixa o "
                "teste como está. Parâmetros principais: `rate` (o p) e `seed`.",
            ),
            "dropout",
            {"rate": 0.5},
            code="keras.layers.Dropout(rate=0.5, seed=0)",
            numbers=((1, 0),),
        ),
        Step(
            "batchnorm",
            h("Layers: BatchNormalization", "Camadas: BatchNormalization"),
            h(
                "BatchNormalization normalises the activations of the layer before it over each batch: mean 0 and "
                "standard deviation 1, then a learned scale and shift. It has many parameters, and even Inception "
                "almost keeps the defaults; `scale` says whether to multiply by the learned factor, `axis` which "
                "axis is normalised. Below, one batch of activations before and after.",
                "A BatchNormalization normaliza as ativações da camada anterior em cada lote: média 0 e desvio "
                "padrão 1, depois uma escala e um deslocamento aprendidos. Tem muitos parâmetros, e até a Inception "
                "quase usa o padrão; `scale` diz se vamos multiplicar pelo fator aprendido, `axis` qual eixo é "
                "normalizado. Abaixo, um lote de ativações antes e depois.",
            ),
            "batchnorm",
            code="keras.layers.BatchNormalization(axis=-1, scale=True)",
            numbers=((0, 0), (1, 0)),
        ),
        Step(
            "activation_flatten",
            h("Layers: Activation and Flatten", "Camadas: Activation e Flatten"),
            h(
                "`Activation` applies an activation function to the neurons before it (so a Dense can be followed "
                "by its activation as a layer of its own, as in this network); `Flatten` turns a multidimensional "
                "input into a vector.",
                "A `Activation` aplica uma função de ativação nos neurônios antes dela (então uma Dense pode ser "
                "seguida da sua ativação como uma camada à parte, como nesta rede); a `Flatten` transforma uma "
                "entrada multidimensional em um vetor.",
            ),
            "summary",
            {"layers": NORM, "shape": [28, 28, 1], "name": "activation_flatten"},
            code="keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(64),\n"
            "    keras.layers.BatchNormalization(), keras.layers.Activation('relu'),\n"
            "    keras.layers.Dense(10, activation='softmax')])",
        ),
        Step(
            "losses_regression",
            h("Losses for regression", "Perdas para regressão"),
            h(
                "Mean Squared Error, Mean Absolute Error, Mean Absolute Percentage Error, Mean Squared Logarithmic "
                "Error and Logcosh, a mean squared error less affected by outliers. The chart is each loss for one "
                "prediction against a true value of 10, as the prediction moves.",
                "Mean Squared Error, Mean Absolute Error, Mean Absolute Percentage Error, Mean Squared Logarithmic "
                "Error e Logcosh, um erro quadrático médio menos afetado por outliers. O gráfico é cada perda para "
                "uma previsão contra um valor verdadeiro de 10, conforme a previsão varia.",
            ),
            "regression_losses",
            {"true": 10},
            code="model.compile(optimizer='adam', loss='mean_squared_error')  # or 'mae', 'mape', 'msle', 'log_cosh'",
            numbers=((10, 0),),
        ),
        Step(
            "losses_classification",
            h("Losses for classification", "Perdas para classificação"),
            h(
                "Categorical Cross Entropy, Sparse Categorical Cross Entropy, Kullback-Leibler divergence, Hinge, "
                "Squared Hinge, Categorical Hinge and Cosine proximity. The table lists the ones this app trains "
                "with; the chart is the cross-entropy of an answer as the probability it gives the right class "
                "goes from 0 to 1.",
                "Categorical Cross Entropy, Sparse Categorical Cross Entropy, divergência de Kullback-Leibler, "
                "Hinge, Squared Hinge, Categorical Hinge e Cosine proximity. A tabela lista as que este app usa no "
                "treino; o gráfico é a entropia cruzada de uma resposta conforme a probabilidade dada à classe "
                "certa vai de 0 a 1.",
            ),
            "classification_losses",
            code="model.compile(optimizer='adam', loss='categorical_crossentropy')  # or 'kl_divergence', 'hinge', ...",
            numbers=((0, 0), (1, 0)),
        ),
        Step(
            "baseline",
            h("Why now, and a baseline first", "Por que agora, e um baseline primeiro"),
            h(
                "Deep learning works now because we have more data (everything is digitised) and more computing "
                "power (GPUs are far more affordable, and can be rented). It is not a silver bullet, a golden "
                "hammer, though it is worth testing if you have the resources; ideally with a large dataset, and "
                "always with a **baseline** first: the simplest answer to beat. Here: always answering the most "
                "common class, and a linear model." + DIGITS_NOTE_EN,
                "O deep learning funciona agora porque temos mais dados (a digitalização de tudo) e mais poder "
                "computacional (GPUs estão bem mais acessíveis, e dá para alugar). Não é uma bala de prata, um "
                "martelo de ouro, mas vale a pena testar se você tiver os recursos; de preferência com um dataset "
                "grande, e sempre com um **baseline** antes: a resposta mais simples a ser batida. Aqui: responder "
                "sempre a classe mais comum, e um modelo linear." + DIGITS_NOTE_PT,
            ),
            "baseline",
            {"preset": BASE},
            code="from sklearn.dummy import DummyClassifier\nfrom sklearn.linear_model import LogisticRegression",
            numbers=((1797, 0), (8, 0)),
        ),
        Step(
            "data",
            h("Collecting data and splitting it", "Coletar os dados e dividi-los"),
            h(
                "How much data depends on the problem's complexity: how many features each example has, how many "
                "classes you want to predict, how separable they are; it is always good to compare with known "
                "datasets. Image resolution: look for the smallest one at which the classes can still be told "
                "apart (with a lot of computing power you may keep it larger). Then split the sets: training, "
                "validation and test. The lesson network's three sets on Fashion-MNIST:",
                "A quantidade de dados depende da complexidade do problema: quantas features cada exemplo tem, "
                "quantas classes você quer prever, quão separáveis elas são; é sempre bom comparar com datasets "
                "conhecidos. Resolução das imagens: procure a menor em que ainda dá para diferenciar as classes "
                "(com muito poder computacional dá para deixar maior). Depois divida os conjuntos: treino, "
                "validação e teste. Os três conjuntos da rede da aula no Fashion-MNIST:",
            ),
            "splits",
            {"preset": "fashion_mlp"},
            code="modelo.fit(x_treino, y_treino, validation_split=0.2)  # training and validation\n"
            "modelo.evaluate(x_teste, y_teste)                      # the test set, used once",
        ),
        Step(
            "augmentation",
            h("Small datasets: image augmentation", "Datasets pequenos: image augmentation"),
            h(
                "Augmentation makes a dataset larger: more variety, better generalisation; one possible effect is a "
                "network invariant to the transformations used. It also helps with imbalanced classes. Think about "
                "which transformations make sense: a shirt flipped left to right is still a shirt; a 6 turned "
                "upside down is a 9. Below, the same CNN on 500 images, 80 epochs, with and without "
                "augmentation.",
                "A augmentation aumenta o dataset: mais variedade, maior generalização; um efeito possível é uma "
                "rede invariante às transformações usadas. Também serve para lidar com classes desbalanceadas. É "
                "preciso pensar quais transformações fazem sentido: uma camisa espelhada continua camisa; um 6 de "
                "ponta-cabeça vira 9. Abaixo, a mesma CNN com 500 imagens, 80 épocas, com e sem "
                "augmentation.",
            ),
            "augmentation",
            code="keras.Sequential([keras.Input((28, 28, 1)), keras.layers.RandomFlip('horizontal'),\n"
            "    keras.layers.RandomTranslation(0.1, 0.1), keras.layers.RandomZoom(0.1), ...])",
            numbers=((500, 0), (80, 0)),
        ),
        Step(
            "transfer",
            h("Small datasets: transfer learning", "Datasets pequenos: transfer learning"),
            h(
                "Transfer learning is used a lot in real applications: look at each pretrained network's number "
                "of parameters and accuracy. There are two ways, in general: train only a linear classifier on the "
                "last layer (mostly for similar datasets), or retrain (fine-tune) the network on your dataset, "
                "which can be more precise but, with little data, can overfit. Below: a CNN trained on five "
                "classes hands its convolutional layers to a network that learns the other five from few images.",
                "O transfer learning é muito usado em aplicações reais: analise o número de parâmetros e a acurácia "
                "de cada rede pré-treinada. Em geral há dois modos: treinar só um classificador linear na última "
                "camada (usado principalmente para datasets parecidos), ou retreinar (fine-tune) a rede no seu "
                "dataset, o que pode ser mais preciso, mas com poucos dados pode gerar overfitting. Abaixo: uma CNN "
                "treinada em cinco classes passa as suas camadas convolucionais para uma rede que aprende as outras "
                "cinco com poucas imagens.",
            ),
            "transfer",
            code="base.trainable = False  # the frozen way; True (with a small learning rate) fine-tunes",
            numbers=((5, 0),),
        ),
        Step(
            "search",
            h("Building your own model: hyperparameter search", "Fazer o seu próprio modelo: busca de hiperparâmetros"),
            h(
                "In some cases it is worth making your own model: then optimise its hyperparameters. A sweep "
                "trains the same network with each combination of the values you choose and ranks them on "
                "validation." + DIGITS_NOTE_EN,
                "Em alguns casos vale a pena fazer o seu próprio modelo: então otimize os hiperparâmetros dele. Uma "
                "varredura treina a mesma rede com cada combinação dos valores escolhidos e as ordena pela "
                "validação." + DIGITS_NOTE_PT,
            ),
            "sweep",
            {"preset": BASE},
            code="for taxa in (0.001, 0.01):\n    for lote in (32, 128):\n        ...  # one run per combination",
            numbers=((1797, 0),),
        ),
        Step(
            "cross_validation",
            h("Cross-validation", "Validação cruzada"),
            h(
                "One validation split can be lucky or unlucky. K-fold cross-validation trains k runs, each "
                "validated on a different fold of the data, and reports the mean and the spread." + DIGITS_NOTE_EN,
                "Uma única divisão de validação pode dar sorte ou azar. A validação cruzada em k partes treina k "
                "vezes, cada uma validada numa parte diferente dos dados, e informa a média e a dispersão."
                + DIGITS_NOTE_PT,
            ),
            "folds",
            {"preset": BASE},
            code="from sklearn.model_selection import StratifiedKFold\n\n"
            "for treino, validacao in StratifiedKFold(n_splits=3).split(x, y):\n    ...",
            numbers=((3, 0),),
        ),
        Step(
            "imbalance",
            h("Imbalanced classes", "Classes desbalanceadas"),
            h(
                "When some classes are rare, accuracy hides them. Three ways compared on purpose: training as is, "
                "class weights (a rare class's mistakes count more) and oversampling with augmentation (the lesson "
                "names augmentation for imbalanced classes too), each read by its per-class recall." + DIGITS_NOTE_EN,
                "Quando algumas classes são raras, a acurácia as esconde. Três jeitos comparados de propósito: "
                "treinar como está, pesos por classe (os erros de uma classe rara contam mais) e sobreamostragem com "
                "augmentation (a aula cita a augmentation também para classes desbalanceadas), cada um lido pela "
                "revocação de cada classe." + DIGITS_NOTE_PT,
            ),
            "imbalance",
            {"preset": BASE},
            code="modelo.fit(x, y, class_weight={0: 1.0, 1: 5.0, ...})",
            numbers=((1797, 0),),
        ),
    ),
)
