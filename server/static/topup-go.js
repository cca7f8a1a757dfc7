document.getElementById("checkout").submit();
