from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn import metrics, svm

X_iris, y_iris = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X_iris, y_iris, test_size=0.33, random_state=42)
clf = svm.LinearSVC()
clf.fit(X_train, y_train)
y_pred = clf.predict(X_test)
print(metrics.classification_report(y_test, y_pred))
new_iris = X_test[42].reshape(1, -1)
print("Real iris species:", y_test[42])
print("Predicted iris species:", clf.predict(new_iris))
