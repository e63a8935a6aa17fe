"""Lesson 3: multilayer networks with Keras on MNIST (source: ``002_*.txt``)."""

from lib.lessons import Lesson, Step, h

PRESET = "sigmoid_mlp"
COMPILE = (
    "modelo.compile(\n    optimizer=keras.optimizers.SGD(learning_rate=0.01),\n"
    "    loss='categorical_crossentropy',  # more than two classes, one-hot labels\n    metrics=['accuracy'],\n)"
)

LESSON = Lesson(
    3,
    h("Multilayer networks with Keras", "Redes neurais multicamadas com Keras"),
    h(
        "A feed-forward network of sigmoid layers on MNIST: one-hot labels, a 75/25 split, SGD, curves and the "
        "classification report.",
        "Uma rede feed-forward de camadas sigmoide no MNIST: rótulos one-hot, divisão 75/25, SGD, curvas e o "
        "relatório de classificação.",
    ),
    (
        Step(
            "mnist",
            h("Multilayer networks, and MNIST", "Redes multicamadas, e o MNIST"),
            h(
                "A multilayer network has its neurons in two or more layers (at least one input and one output "
                "layer), connected as an acyclic graph: some neurons' outputs are other neurons' inputs. In a "
                "feed-forward network a neuron of layer l_i connects only to layer l_i+1, and in a fully connected "
                "layer every neuron of two neighbouring layers is linked. The data: MNIST, 70,000 images of "
                "28 × 28 pixels, already normalised and centred; one channel (grey), so each pixel lies in "
                "[0, 255]. As one table it has 70,000 rows and 784 columns.",
                "Uma rede multicamadas tem os neurônios em duas ou mais camadas (no mínimo uma de entrada e uma de "
                "saída), ligados como um grafo acíclico: as saídas de alguns neurônios são entradas de outros. Numa "
                "rede feed-forward, um neurônio da camada l_i só se liga à camada l_i+1, e numa camada totalmente "
                "conectada cada neurônio de duas camadas vizinhas está ligado. Os dados: o MNIST, 70.000 imagens de "
                "28 × 28 pixels, já normalizadas e centralizadas; um canal (cinza), então cada pixel fica em "
                "[0, 255]. Como uma tabela, são 70.000 linhas e 784 colunas.",
            ),
            "samples",
            {"preset": PRESET},
            code="x = np.concatenate([x_treino, x_teste]).reshape(-1, 784)\nprint(x.shape)  # (70000, 784)",
            numbers=((70000, 0), (28, 0), (255, 0), (784, 0)),
        ),
        Step(
            "split",
            h("Training and test sets: 75 % and 25 %", "Conjuntos de treino e teste: 75 % e 25 %"),
            h(
                "The lesson pools the images and splits them: 75 % for training and 25 % for testing, 52,500 and "
                "17,500 images, with scikit-learn's `train_test_split`. The two sets **must be independent**, or "
                "the test says nothing about new data (and hides overfitting). The chart is that split, class by "
                "class (stratified).",
                "A aula junta as imagens e as divide: 75 % para treino e 25 % para teste, 52.500 e 17.500 imagens, "
                "com o `train_test_split` do scikit-learn. Os dois conjuntos **precisam ser independentes**, senão "
                "o teste nada diz sobre dados novos (e esconde o overfitting). O gráfico é essa divisão, classe por "
                "classe (estratificada).",
            ),
            "split",
            {"preset": PRESET, "test_fraction": 0.25},
            code="from sklearn.model_selection import train_test_split\n\n"
            "x_treino, x_teste, y_treino, y_teste = train_test_split(x / 255.0, y, test_size=0.25)",
            numbers=((75, 0), (25, 0), (52500, 0), (17500, 0)),
        ),
        Step(
            "onehot",
            h("Labels as one-hot vectors", "Rótulos como vetores one-hot"),
            h(
                "The labels are whole numbers; the lesson turns each into a binary vector, with 1 at the label's "
                "index and 0 everywhere else. The label 4 becomes [0,0,0,0,1,0,0,0,0,0]. This is *one-hot "
                "encoding* (scikit-learn's `LabelBinarizer`, or `keras.utils.to_categorical`). Choose a label.",
                "Os rótulos são números inteiros; a aula transforma cada um num vetor binário, com 1 no índice do "
                "rótulo e 0 em todo o resto. O rótulo 4 vira [0,0,0,0,1,0,0,0,0,0]. É a *codificação one-hot* (o "
                "`LabelBinarizer` do scikit-learn, ou `keras.utils.to_categorical`). Escolha um rótulo.",
            ),
            "onehot",
            code="y_treino = keras.utils.to_categorical(y_treino, 10)\n# 4 -> [0, 0, 0, 0, 1, 0, 0, 0, 0, 0]",
            numbers=((4, 0), (10, 0)),
        ),
        Step(
            "architecture",
            h("The network: 784 → 128 → 64 → 10, sigmoid", "A rede: 784 → 128 → 64 → 10, sigmoide"),
            h(
                "Four layers, chosen freely: l0 takes the 784 pixel values; the hidden layers l1 and l2 have 128 and "
                "64 neurons; l3 has one neuron per class, 10. `Sequential` stacks them, each output the next input, "
                "all fully connected. The hidden layers use the sigmoid, which puts any real value into [0, 1]; the "
                "last one uses softmax, to give a probability per class.",
                "Quatro camadas, escolhidas livremente: l0 recebe os 784 valores dos pixels; as ocultas l1 e l2 têm "
                "128 e 64 neurônios; l3 tem um neurônio por classe, 10. O `Sequential` as empilha, cada saída é a "
                "entrada da próxima, todas totalmente conectadas. As ocultas usam a sigmoide, que põe qualquer "
                "valor real em [0, 1]; a última usa a softmax, para dar uma probabilidade por classe.",
            ),
            "summary",
            {"preset": PRESET},
            code_from=(PRESET, "model"),
            numbers=((784, 0), (128, 0), (64, 0), (10, 0)),
        ),
        Step(
            "sgd",
            h("SGD at 0.01 and categorical_crossentropy", "SGD a 0,01 e categorical_crossentropy"),
            h(
                "The network trains with the most important algorithm of neural networks: Stochastic Gradient "
                "Descent (SGD), with a learning rate of 0.01. The loss is `categorical_crossentropy`, because there "
                "are more than two classes and the labels are one-hot vectors. The table compares the loss of a "
                "good and a bad answer.",
                "A rede treina com o algoritmo mais importante das redes neurais: o Stochastic Gradient Descent "
                "(SGD, gradiente descendente estocástico), com taxa de aprendizado 0,01. A perda é a "
                "`categorical_crossentropy`, porque há mais de duas classes e os rótulos são vetores one-hot. A "
                "tabela compara a perda de uma resposta boa e de uma ruim.",
            ),
            "crossentropy",
            code=COMPILE,
            numbers=((0.01, 2),),
        ),
        Step(
            "fit",
            h("fit: the lesson's 100 epochs, and yours", "fit: as 100 épocas da aula, e as suas"),
            h(
                "`model.fit` starts the training: after a while that depends on the machine, every node's weights "
                "are optimised. The lesson trains for 100 epochs; in class, train 10 (a few seconds) and compare "
                "with the lesson's 100, which the teacher can start before the class and show finished.",
                "O `model.fit` começa o treino: depois de um tempo que depende da máquina, os pesos de cada nó "
                "estão otimizados. A aula treina 100 épocas; na turma, treine 10 (alguns segundos) e compare com as "
                "100 da aula, que o professor pode começar antes da turma e mostrar prontas.",
            ),
            "fit3",
            {"preset": PRESET, "epochs": 10, "lesson_epochs": 100},
            code="H = modelo.fit(x_treino, y_treino, validation_data=(x_teste, y_teste), epochs=100, batch_size=32)",
            numbers=((100, 0), (10, 0)),
        ),
        Step(
            "curves",
            h("Accuracy and loss over the epochs", "Acurácia e perda ao longo das épocas"),
            h(
                "Plotting accuracy and loss over the iterations shows overfitting at a glance. In the lesson the "
                "training and validation curves almost lie on each other: a very good sign that there was no "
                "overfitting. Read your own curves the same way.",
                "Plotar a acurácia e a perda ao longo das iterações mostra o overfitting de relance. Na aula, as "
                "curvas de treino e de validação ficam praticamente sobrepostas: um ótimo indício de que não houve "
                "overfitting. Leia as suas curvas do mesmo jeito.",
            ),
            "curves3",
            {"preset": PRESET},
            code="plt.plot(H.history['accuracy']); plt.plot(H.history['val_accuracy'])\n"
            "plt.plot(H.history['loss']); plt.plot(H.history['val_loss'])",
        ),
        Step(
            "report",
            h("predict and the classification report: 92 %", "predict e o relatório de classificação: 92 %"),
            h(
                "`model.predict` labels every image of the test set, 17,500 in the lesson, with a digit from 0 to 9, "
                "and scikit-learn's `classification_report` gives precision, recall and f1 per class. After 100 "
                "epochs the lesson's network reached 92 % accuracy, a good result for this architecture; "
                "convolutional networks can reach 99 %. Below: your run's report, beside the lesson's 92 %.",
                "O `model.predict` rotula cada imagem do conjunto de teste, 17.500 na aula, com um dígito de 0 a 9, "
                "e o `classification_report` do scikit-learn dá precisão, revocação e f1 por classe. Depois de 100 "
                "épocas a rede da aula chegou a 92 % de acurácia, um bom resultado para essa arquitetura; redes "
                "convolucionais chegam a 99 %. Abaixo: o relatório do seu treino, ao lado dos 92 % da aula.",
            ),
            "report",
            {"preset": PRESET, "lesson_accuracy": 92},
            code="from sklearn.metrics import classification_report\n\n"
            "previsoes = modelo.predict(x_teste, batch_size=128)\n"
            "print(classification_report(y_teste.argmax(axis=1), previsoes.argmax(axis=1)))",
            numbers=((17500, 0), (100, 0), (92, 0), (99, 0)),
        ),
    ),
)
